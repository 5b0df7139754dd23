/**
 * Section 6 of `npm run bench`: one worker process's speed at one catalog size. A child of
 * bench/run.ts (forked with IPC, one process per catalog size, so its peak RSS is that size's),
 * against a seeded Postgres database. It composes the worker exactly as `npm run worker` does
 * (createJobRuntime) but with the in-process cache, queue and events, so nothing else competes for
 * Redis and the figures are the job's own. It measures:
 * - start-up: reading each type's catalog from Postgres and indexing it (CatalogIndexes);
 * - training: every model job the worker runs (`rebuild-*`, `train-*`: rebuild-similarity and train-mf),
 *   through its handler (reads interactions from Postgres, trains, encodes, stores), and the pure
 *   training functions alone on the same interactions (item similarity; matrix factorisation);
 * - the job path: the `refresh-user` handler (all four lists of one user: profile and history reads,
 *   ranking, the list's transaction, the cache write and the event), one user at a time and with
 *   JOB_CONCURRENCY users at once;
 * - the engine alone: buildUserModel + rank for the four types from preloaded inputs, with the
 *   item-similarity model, and again with the MF model folded in.
 */
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import { Registry } from "prom-client";
import { loadRecommendationConfig } from "../server/config/recommendations.js";
import { CONTENT_KINDS } from "../server/domain/content/kinds.js";
import type { InteractionRecord } from "../server/domain/content/records.js";
import { gazetteerGeocoder } from "../server/domain/geo/reverse-geocoder.js";
import { JOB_TYPES, type JobRun, type JobType } from "../server/domain/ports/job-queue.js";
import type { ProfileRecord } from "../server/domain/users/profile.js";
import { jobMetrics } from "../server/observability/job-metrics.js";
import { openDatabase } from "../server/persistence/orm.js";
import { OrmGenerationStore } from "../server/persistence/stores/generation-store.js";
import { OrmRecommendationStore } from "../server/persistence/stores/recommendation-store.js";
import { recommendationAdapters } from "../server/recommendation-adapters.js";
import { buildItemSimilarity } from "../worker/engine/item-similarity.js";
import { mfPreferences, trainMf } from "../worker/engine/mf/ials.js";
import { rank } from "../worker/engine/rank.js";
import { buildUserModel } from "../worker/engine/user-model.js";
import { DEFAULT_WINDOWS } from "../worker/jobs/job-handlers.js";
import { createJobRuntime } from "../worker/runtime.js";
import { monotonicUs } from "./processes.js";
import { summarize, type LatencySummary } from "./stats.js";

export interface WorkerBenchInput {
  readonly databaseUrl: string;
  /** Total catalog size (a quarter per type), for the report. */
  readonly items: number;
  /** Users whose lists are timed. */
  readonly userIds: readonly string[];
  /** Users run before timing starts (JIT, connection pool). */
  readonly warmupUsers: number;
  /** Users at once in the concurrent run (the worker's JOB_CONCURRENCY). */
  readonly concurrency: number;
  /** Skip the MF parts (e.g. --quick on a machine where training is slow). */
  readonly mf: boolean;
}

export interface WorkerBenchResult {
  readonly items: number;
  readonly perType: Record<string, number>;
  readonly users: number;
  readonly interactions: number;
  /** Seconds to read and index each type's catalog (worker start-up). */
  readonly indexSeconds: Record<string, number>;
  /** Training through the job handlers, seconds by job type. */
  readonly trainingJobSeconds: Record<string, number>;
  /** Pure training on the interactions already in memory, seconds. */
  readonly trainingSeconds: { readonly loadInteractions: number; readonly similarity: number; readonly mf?: number; readonly mfPairs?: number };
  /** The refresh-user job (all four lists), one user at a time: ms per user. */
  readonly jobMsPerUser: LatencySummary;
  readonly jobUsersPerSecond: number;
  /** The same with `concurrency` users at once. */
  readonly concurrentUsersPerSecond: number;
  readonly concurrency: number;
  /** buildUserModel + rank for the four types, ms per user; with the similarity model, and with MF as well. */
  readonly engineMsPerUser: LatencySummary;
  readonly engineMfMsPerUser?: LatencySummary;
  /** Parts of the job timed alone, ms per user (four lists): the profile and history reads, and the lists' writes. */
  readonly jobReadsMsPerUser: LatencySummary;
  readonly jobWritesMsPerUser: LatencySummary;
  /** When the timed job runs (one user at a time, then several) began and ended, on the CPU profile's clock (µs). */
  readonly jobWindowUs: readonly [number, number];
  readonly rssMb: { readonly start: number; readonly indexed: number; readonly trained: number; readonly end: number; readonly peak: number };
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

async function run(input: WorkerBenchInput): Promise<WorkerBenchResult> {
  const rssStart = process.memoryUsage.rss();
  const logger = pino({ level: "silent" });
  const orm = await openDatabase({ databaseUrl: input.databaseUrl, dataDir: "/tmp" });
  const problems: string[] = [];
  const config = loadRecommendationConfig({}, problems);
  if (problems.length > 0) throw new Error(problems.join("; "));
  const adapters = recommendationAdapters({ redisUrl: undefined, recommendations: config }, undefined, logger);
  const runtime = createJobRuntime({ orm, adapters, config, logger, metrics: jobMetrics(new Registry()) });
  const reads = new OrmGenerationStore(orm);
  const signal = new AbortController().signal;
  const job = <T extends JobType>(type: T, payload: JobRun<T>["payload"]): JobRun<T> => ({ id: `bench-${type}`, type, payload, attempt: 1, maxAttempts: 1, signal });

  // Start-up: each type's catalog read from Postgres and indexed.
  const indexSeconds: Record<string, number> = {};
  const perType: Record<string, number> = {};
  for (const kind of CONTENT_KINDS) {
    const t = performance.now();
    const index = await runtime.indexes.get(kind);
    indexSeconds[kind] = (performance.now() - t) / 1000;
    perType[kind] = index.items.length;
  }
  const rssIndexed = process.memoryUsage.rss();

  // Training through the handlers the queue runs (every model job type there is).
  const trainingJobSeconds: Record<string, number> = {};
  for (const type of JOB_TYPES.filter((t) => /^(rebuild|train)-/.test(t))) {
    const t = performance.now();
    await (runtime.handlers[type] as (run: JobRun<JobType>) => Promise<void>)(job(type, {} as never));
    trainingJobSeconds[type] = (performance.now() - t) / 1000;
  }

  // The pure training functions on the same interactions.
  const now = new Date();
  let t = performance.now();
  const interactions: InteractionRecord[] = [];
  for await (const page of reads.interactionsSince(new Date(now.getTime() - DEFAULT_WINDOWS.similarityWindowMs))) interactions.push(...page);
  const loadInteractions = (performance.now() - t) / 1000;
  t = performance.now();
  const similarity = buildItemSimilarity(interactions, { topK: 50, now });
  const similaritySeconds = (performance.now() - t) / 1000;
  let mfModel: ReturnType<typeof trainMf> | undefined;
  let mfSeconds: number | undefined;
  let mfPairs: number | undefined;
  if (input.mf) {
    t = performance.now();
    const preferences = mfPreferences(interactions, { now });
    mfModel = trainMf(preferences);
    mfSeconds = (performance.now() - t) / 1000;
    mfPairs = mfModel.trainedPairs;
  }
  const rssTrained = process.memoryUsage.rss();

  // The job path: all four lists of a user, as the worker makes them after a profile change.
  const refresh = (userId: string) => runtime.handlers["refresh-user"](job("refresh-user", { userId }));
  const warm = input.userIds.slice(0, input.warmupUsers);
  const timed = input.userIds.slice(input.warmupUsers);
  for (const userId of warm) await refresh(userId);
  const perUser: number[] = [];
  const jobFrom = monotonicUs();
  t = performance.now();
  for (const userId of timed) {
    const s = performance.now();
    await refresh(userId);
    perUser.push(performance.now() - s);
  }
  const sequentialSeconds = (performance.now() - t) / 1000;
  let nextUser = 0;
  t = performance.now();
  await Promise.all(
    Array.from({ length: input.concurrency }, async () => {
      while (nextUser < timed.length) await refresh(timed[nextUser++]!);
    }),
  );
  const concurrentSeconds = (performance.now() - t) / 1000;
  const jobTo = monotonicUs();

  // Where a job's time goes beyond ranking: the job's one read of the user (cache version, profile,
  // history) and its lists' writes (one database call per list, four per user), each timed alone
  // for the same users.
  const store = new OrmRecommendationStore(orm);
  const readMs: number[] = [];
  const writeMs: number[] = [];
  for (const userId of timed) {
    const lists = [];
    let s = performance.now();
    await runtime.generator.readUser(userId);
    readMs.push(performance.now() - s);
    for (const contentType of CONTENT_KINDS) {
      const list = await runtime.generator.generate({ userId, contentType });
      if (list) lists.push(list);
    }
    s = performance.now();
    for (const list of lists) await store.replace(list);
    writeMs.push(performance.now() - s);
  }

  // The engine alone, from inputs read beforehand (the same users, profiles and histories).
  const cityOf = (() => {
    const geocoder = gazetteerGeocoder();
    return (p: { latitude: number; longitude: number }) => geocoder.nearest(p.latitude, p.longitude)?.name;
  })();
  const inputs: { profile: ProfileRecord; history: Awaited<ReturnType<OrmGenerationStore["history"]>> }[] = [];
  for (const userId of input.userIds) {
    const profile = await reads.profile(userId);
    if (profile) inputs.push({ profile, history: await reads.history(userId, 500) });
  }
  const indexes = new Map(await Promise.all(CONTENT_KINDS.map(async (kind) => [kind, await runtime.indexes.get(kind)] as const)));
  const engine = (withMf: boolean) => {
    const times: number[] = [];
    for (const [n, { profile, history }] of inputs.entries()) {
      const s = performance.now();
      for (const kind of CONTENT_KINDS) {
        const user = buildUserModel({ contentType: kind, profile, interactions: history.interactions, items: history.items, now, cityOf });
        rank({
          contentType: kind,
          index: indexes.get(kind)!,
          user,
          similarity,
          ...(profile.location ? { location: profile.location } : {}),
          now,
          limit: config.listSize,
          ...(withMf && mfModel ? { mf: { model: mfModel } } : {}),
        });
      }
      if (n >= input.warmupUsers) times.push(performance.now() - s);
    }
    return summarize(times);
  };
  const engineMsPerUser = engine(false);
  const engineMfMsPerUser = mfModel ? engine(true) : undefined;

  await orm.close();
  const peak = process.resourceUsage().maxRSS * 1024;
  return {
    items: input.items,
    perType,
    users: input.userIds.length,
    interactions: interactions.length,
    indexSeconds,
    trainingJobSeconds,
    trainingSeconds: {
      loadInteractions,
      similarity: similaritySeconds,
      ...(mfSeconds !== undefined ? { mf: mfSeconds, mfPairs: mfPairs! } : {}),
    },
    jobMsPerUser: summarize(perUser),
    jobUsersPerSecond: timed.length / sequentialSeconds,
    concurrentUsersPerSecond: timed.length / concurrentSeconds,
    concurrency: input.concurrency,
    engineMsPerUser,
    ...(engineMfMsPerUser ? { engineMfMsPerUser } : {}),
    jobReadsMsPerUser: summarize(readMs),
    jobWritesMsPerUser: summarize(writeMs),
    jobWindowUs: [jobFrom, jobTo],
    rssMb: { start: mb(rssStart), indexed: mb(rssIndexed), trained: mb(rssTrained), end: mb(process.memoryUsage.rss()), peak: mb(peak) },
  };
}

process.once("message", (input: WorkerBenchInput) => {
  run(input).then(
    (result) => process.send!({ type: "result", result }, () => process.exit(0)),
    (err: unknown) => process.send!({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1)),
  );
});
process.send!({ type: "ready" });
