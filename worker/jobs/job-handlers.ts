import { CONTENT_KINDS } from "../../server/domain/content/kinds.js";
import type { InteractionRecord } from "../../server/domain/content/records.js";
import { encodeGeohash } from "../../server/domain/geo/geohash.js";
import type { JobHandler, JobPayloads, JobType } from "../../server/domain/ports/job-queue.js";
import { LOCATION_BOUND_KINDS } from "../../server/domain/ports/recommendation-cache.js";
import type { RecommendationStore } from "../../server/domain/recommendations/lists.js";
import type { InteractionCounts } from "../../server/persistence/stores/item-analytics-store.js";
import { buildItemSimilarity, type ItemSimilarity } from "../engine/item-similarity.js";
import { encodeMfModel } from "../engine/mf/codec.js";
import { mfPreferences, type MfPreference } from "../engine/mf/ials.js";
import type { MfModel } from "../engine/mf/model.js";
import { DAY_MS, DEFAULT_WEIGHTS, HOUR_MS, type EngineWeights } from "../engine/weights.js";
import type { Generator, UserRead } from "../generation/generator.js";
import { encodeSimilarity } from "../generation/similarity-codec.js";
import type { StoredModel } from "../generation/stored-model.js";
import { popularity } from "./popularity.js";

export type JobHandlers = { [T in JobType]: JobHandler<T> };

export interface JobHandlerDeps {
  readonly generator: Generator;
  readonly store: Pick<RecommendationStore, "deleteExpired">;
  readonly analytics: {
    touchedBy(userId: string, since: Date): Promise<string[]>;
    counts(itemIds: readonly string[], since: Date): Promise<Map<string, InteractionCounts>>;
    setPopularity(values: ReadonlyMap<string, number>, at: Date): Promise<void>;
  };
  readonly interactionsSince: (since: Date) => AsyncIterable<InteractionRecord[]>;
  readonly similarity: StoredModel<ItemSimilarity>;
  readonly mf: StoredModel<MfModel>;
  /** Trains the MF model (on threads in a worker process). */
  readonly trainMf: (preferences: readonly MfPreference[]) => Promise<MfModel>;
  readonly weights?: EngineWeights;
  readonly settings: {
    readonly geohashPrecision: number;
    /** Interactions older than this do not count towards popularity. */
    readonly popularityWindowMs: number;
    /** Interactions older than this are left out of the similarity and MF models. */
    readonly similarityWindowMs: number;
  };
  readonly now?: () => Date;
}

/** What each job type does. Every handler is idempotent: a job may run twice (at-least-once queues). */
export function jobHandlers(deps: JobHandlerDeps): JobHandlers {
  const now = deps.now ?? (() => new Date());
  return {
    generate: async ({ payload }) => {
      await deps.generator.generate(payload);
    },

    // Both read the user once for all their lists, and make the lists side by side: one list's
    // database and cache writes overlap the next one's ranking instead of following it.
    "refresh-user": async ({ payload, signal }) => {
      const read = await deps.generator.readUser(payload.userId);
      if (!read) return;
      const point = read.profile.location;
      await generateAll(
        read,
        CONTENT_KINDS.map((contentType) => ({
          userId: payload.userId,
          contentType,
          ...(LOCATION_BOUND_KINDS.has(contentType) && point
            ? { geohash: encodeGeohash(point.latitude, point.longitude, deps.settings.geohashPrecision), ...point }
            : {}),
        })),
        signal,
        "refresh-user",
      );
    },

    prefetch: async ({ payload, signal }) => {
      const read = await deps.generator.readUser(payload.userId);
      if (!read) return;
      await generateAll(
        read,
        payload.contentTypes.map((contentType) => ({
          userId: payload.userId,
          contentType,
          ...(LOCATION_BOUND_KINDS.has(contentType) && payload.geohash
            ? { geohash: payload.geohash, latitude: payload.latitude, longitude: payload.longitude }
            : {}),
        })),
        signal,
        "prefetch",
      );
    },

    "cleanup-expired": async ({ payload }) => {
      await deps.store.deleteExpired(payload.before ? new Date(payload.before) : now());
    },

    "interaction-analytics": async ({ payload }) => {
      const at = now();
      // The job is delayed to coalesce a burst; an hour back covers it with room for retries.
      const touched = await deps.analytics.touchedBy(payload.userId, new Date(at.getTime() - HOUR_MS));
      if (touched.length === 0) return;
      const counts = await deps.analytics.counts(touched, new Date(at.getTime() - deps.settings.popularityWindowMs));
      const values = new Map(touched.map((id) => [id, popularity(counts.get(id) ?? {})]));
      await deps.analytics.setPopularity(values, at);
    },

    "rebuild-similarity": async ({ signal }) => {
      const at = now();
      const interactions = await recentInteractions(at, signal, "rebuild-similarity");
      const model = buildItemSimilarity(interactions, { topK: 50, now: at });
      await deps.similarity.publish(model, encodeSimilarity(model), at);
    },

    "train-mf": async ({ payload, signal }) => {
      const at = now();
      if (payload.ifOlderThanMs !== undefined) {
        const stored = await deps.mf.storedAt();
        if (stored && at.getTime() - stored.getTime() < payload.ifOlderThanMs) return;
      }
      const interactions = await recentInteractions(at, signal, "train-mf");
      const preferences = mfPreferences(interactions, { now: at, weights: deps.weights ?? DEFAULT_WEIGHTS });
      // Nothing to learn from yet: keep the model held (or none; ranking works without it).
      if (preferences.length === 0) return;
      const model = await deps.trainMf(preferences);
      if (signal.aborted) throw new Error("train-mf aborted");
      await deps.mf.publish(model, encodeMfModel(model), at);
    },
  };

  /** One user's lists from one read, all started at once. */
  async function generateAll(read: UserRead, jobs: readonly JobPayloads["generate"][], signal: AbortSignal, job: JobType): Promise<void> {
    if (signal.aborted) throw new Error(`${job} aborted`);
    await Promise.all(jobs.map((payload) => deps.generator.generate(payload, read)));
  }

  /** Everyone's interactions within the models' window, read page by page. */
  async function recentInteractions(at: Date, signal: AbortSignal, job: JobType): Promise<InteractionRecord[]> {
    const interactions: InteractionRecord[] = [];
    for await (const page of deps.interactionsSince(new Date(at.getTime() - deps.settings.similarityWindowMs))) {
      if (signal.aborted) throw new Error(`${job} aborted`);
      interactions.push(...page);
    }
    return interactions;
  }
}

export const DEFAULT_WINDOWS = { popularityWindowMs: 30 * DAY_MS, similarityWindowMs: 180 * DAY_MS } as const;
