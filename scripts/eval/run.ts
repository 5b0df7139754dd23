/**
 * One evaluation run: load a split's training pairs as "like" interactions with movies, train what
 * the worker trains (the MF model and, unless disabled, item similarity), then rank every test
 * user with the engine's own rank(): the same user model, candidate handling, score mix and
 * tie-breaking as a real list, with diversity off (λ = 1) so the order is the relevance order.
 */
import { performance } from "node:perf_hooks";
import type { ContentItemRecord, InteractionRecord } from "../../server/domain/content/records.js";
import { buildCatalogIndex, type CatalogIndex } from "../../worker/engine/catalog-index.js";
import { buildItemSimilarity, type ItemSimilarity } from "../../worker/engine/item-similarity.js";
import { mfPreferences } from "../../worker/engine/mf/ials.js";
import { trainMfParallel } from "../../worker/engine/mf/parallel.js";
import type { MfModel } from "../../worker/engine/mf/model.js";
import { rank } from "../../worker/engine/rank.js";
import { buildUserModel } from "../../worker/engine/user-model.js";
import type { EngineWeights } from "../../worker/engine/weights.js";
import type { EvalItem, Pair } from "./dataset.js";
import { MetricSum } from "./metrics.js";
import type { Split } from "./split.js";

export type Protocol = "sampled" | "full";

/** Each user's items in file order, newest or oldest first, `spacingMs` apart. */
export interface Timeline {
  readonly order: "newest-first" | "oldest-first";
  readonly spacingMs: number;
}

export interface RunOptions {
  readonly protocol: Protocol;
  readonly weights: EngineWeights;
  /** Build item similarity (the worker's item-to-item CF) as well as the MF model. */
  readonly similarity: boolean;
  /** The clock of the run: the newest interaction of every user happens at it. */
  readonly now: Date;
  /**
   * How the training file's order maps to time. A data set in this format has no timestamps; when
   * its file lists each user's items by time, the order is the only clue to recency, and the engine
   * decays interactions by age as it does for real users. Without a timeline every interaction
   * happens at `now` and nothing decays.
   */
  readonly timeline?: Timeline;
  /** Neighbours per item for item similarity. */
  readonly topK?: number;
  /** Threads for MF training (default: the machine's parallelism). */
  readonly threads?: number;
  /** One JSON line per user: {"user","ranked":[...]} (sampled) or {"user","top":[...]} (full). */
  readonly onPrediction?: (line: string) => void;
  /** Progress, e.g. "epoch 3/12". */
  readonly onProgress?: (message: string) => void;
}

export interface RunResult {
  readonly protocol: Protocol;
  /** Users scored (test users with training items and, for sampled, candidates). */
  readonly users: number;
  readonly hr10: number;
  readonly ndcg10: number;
  /** Full ranking: Recall@10 (= HR@10 with one held-out item). */
  readonly recall10?: number;
  /** Test users skipped: no training interactions, or (sampled) no candidate list. */
  readonly skipped: number;
  readonly trainSeconds: number;
  readonly mfSeconds: number;
  readonly trainCpuSeconds: number;
  readonly scoreSeconds: number;
  readonly model: MfModel;
}

const K = 10;

/** The data set's items as movie records: genres (lower-cased) and the decade as tags, the year in metadata. */
export function movieRecords(items: readonly EvalItem[], extraIds: Iterable<string>, now: Date): ContentItemRecord[] {
  const out: ContentItemRecord[] = [];
  const seen = new Set<string>();
  const record = (id: string, title: string, genres: readonly string[], year?: number): ContentItemRecord => ({
    id,
    contentType: "movie",
    externalId: id,
    title,
    description: "",
    tags: [...new Set([...genres.map((g) => g.toLowerCase()), ...(year !== undefined ? [`${Math.floor(year / 10) * 10}s`] : [])])],
    metadata: { ...(year !== undefined ? { year } : {}), genres: [...genres] },
    popularity: 0,
    createdAt: now,
    updatedAt: now,
  });
  for (const item of items) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    out.push(record(item.id, item.title, item.genres, item.year));
  }
  // Ids the pairs or candidates name without an items.jsonl line still exist, with no content.
  for (const id of extraIds) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(record(id, id, []));
  }
  return out;
}

/** Everything a run trains and builds before scoring, reusable across score mixes (tuning). */
export interface Trained {
  readonly index: CatalogIndex;
  readonly records: ReadonlyMap<string, ContentItemRecord>;
  readonly history: ReadonlyMap<string, readonly InteractionRecord[]>;
  readonly model: MfModel;
  readonly similarity?: ItemSimilarity;
  /** MF and item similarity together, and MF alone (preferences, training on threads, Gramian). */
  readonly trainSeconds: number;
  readonly mfSeconds: number;
  /** CPU time of training over all threads: what it costs whatever else the machine is running. */
  readonly trainCpuSeconds: number;
}

export async function runEvaluation(split: Split, items: readonly EvalItem[], o: RunOptions): Promise<RunResult> {
  return score(await train(split, items, o), split, o);
}

/** Loads the split's items and training pairs and trains the models (timed: trainSeconds). */
export async function train(split: Split, items: readonly EvalItem[], o: Omit<RunOptions, "protocol" | "onPrediction">): Promise<Trained> {
  const { weights, now } = o;
  const extra = function* () {
    for (const p of split.train) yield p.item;
    yield* split.test.values();
    for (const list of split.candidates.values()) yield* list;
  };
  const records = movieRecords(items, extra(), now);
  const index = buildCatalogIndex("movie", records, weights);
  const interactions = likeInteractions(split.train, now, o.timeline);
  const history = new Map<string, InteractionRecord[]>();
  for (const it of interactions) {
    const list = history.get(it.userId);
    if (list) list.push(it);
    else history.set(it.userId, [it]);
  }

  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const model = await trainMfParallel(mfPreferences(interactions, { now, weights }), {
    ...weights.mf,
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    onEpoch: (e) => o.onProgress?.(`MF epoch ${e}/${weights.mf.epochs}`),
  });
  const mfSeconds = (performance.now() - started) / 1000;
  let similarity: ItemSimilarity | undefined;
  if (o.similarity) {
    o.onProgress?.("item similarity");
    similarity = buildItemSimilarity(interactions, { topK: o.topK ?? 50, now, weights });
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  return {
    index,
    records: new Map(records.map((r) => [r.id, r])),
    history,
    model,
    ...(similarity ? { similarity } : {}),
    trainSeconds,
    mfSeconds,
    trainCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/**
 * The training pairs as "like" interactions. With a timeline, a user's k-th item from the newest
 * happened k × spacing before `now`; without one, all of them at `now`.
 */
export function likeInteractions(pairs: readonly Pair[], now: Date, timeline?: Timeline): InteractionRecord[] {
  const counts = new Map<string, number>();
  for (const p of pairs) counts.set(p.user, (counts.get(p.user) ?? 0) + 1);
  const seen = new Map<string, number>();
  return pairs.map((p, n) => {
    const k = seen.get(p.user) ?? 0;
    seen.set(p.user, k + 1);
    const fromNewest = !timeline ? 0 : timeline.order === "newest-first" ? k : counts.get(p.user)! - 1 - k;
    return {
      id: `train-${n}`,
      userId: p.user,
      contentItemId: p.item,
      contentType: "movie",
      interactionType: "like",
      createdAt: new Date(now.getTime() - fromNewest * (timeline?.spacingMs ?? 0)),
    };
  });
}

/** Ranks every test user of the split with rank() (timed: scoreSeconds) and scores the lists. */
export function score(t: Trained, split: Split, o: RunOptions): RunResult {
  const { weights, now } = o;
  const started = performance.now();
  const allIds = t.index.items.map((r) => r.id);
  const rankWeights: EngineWeights = { ...weights, mmrLambda: 1 };
  const sum = new MetricSum(K);
  let skipped = 0;
  let done = 0;
  for (const [user, held] of split.test) {
    const history = t.history.get(user);
    const candidates = o.protocol === "sampled" ? split.candidates.get(user) : allIds;
    if (!history || !candidates) {
      skipped++;
      continue;
    }
    const userModel = buildUserModel({
      contentType: "movie",
      interactions: history,
      items: history.map((h) => t.records.get(h.contentItemId)!),
      now,
      weights: rankWeights,
    });
    const result = rank({
      contentType: "movie",
      index: t.index,
      user: userModel,
      ...(t.similarity ? { similarity: t.similarity } : {}),
      now,
      weights: rankWeights,
      limit: o.protocol === "sampled" ? candidates.length : K,
      mf: { model: t.model },
      candidateIds: candidates,
    });
    const ranked = result.recommendations.map((r) => r.itemId);
    sum.add(ranked.indexOf(held));
    o.onPrediction?.(JSON.stringify(o.protocol === "sampled" ? { user, ranked } : { user, top: ranked }));
    if (++done % 1000 === 0) o.onProgress?.(`ranked ${done} users`);
  }
  return {
    protocol: o.protocol,
    users: sum.users,
    hr10: sum.hr,
    ndcg10: sum.ndcg,
    ...(o.protocol === "full" ? { recall10: sum.hr } : {}),
    skipped,
    trainSeconds: t.trainSeconds,
    mfSeconds: t.mfSeconds,
    trainCpuSeconds: t.trainCpuSeconds,
    scoreSeconds: (performance.now() - started) / 1000,
    model: t.model,
  };
}
