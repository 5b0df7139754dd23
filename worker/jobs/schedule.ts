import type { ContentKind } from "../../server/domain/content/kinds.js";
import { geohashCentre } from "../../server/domain/geo/geohash.js";
import { jobId, type JobQueue } from "../../server/domain/ports/job-queue.js";
import type { RecommendationStore } from "../../server/domain/recommendations/lists.js";
import { DAY_MS } from "../engine/weights.js";

export interface ScheduleSettings {
  readonly cleanupIntervalMs: number;
  readonly similarityIntervalMs: number;
  readonly mfTrainIntervalMs: number;
  readonly prefetchIntervalMs: number;
  /** Lists expiring within this much of a sweep are regenerated ahead of time. */
  readonly prefetchAheadMs: number;
}

/** Users whose last interaction is older than this are not prefetched for. */
const ACTIVE_WITHIN_MS = DAY_MS;
const PREFETCH_BATCH = 500;

/**
 * Periodic jobs: cleanup of expired lists, the similarity and MF models' retraining, and prefetch of lists
 * about to expire for users active lately. Every process running jobs keeps these timers; the job id
 * carries the time slot, so several workers enqueue each slot's job once between them.
 * Returns the function that stops the timers.
 */
export function startSchedules(
  queue: JobQueue,
  store: Pick<RecommendationStore, "expiringForActiveUsers">,
  settings: ScheduleSettings,
  onError: (err: Error, what: string) => void,
  now: () => number = Date.now,
): () => void {
  const every = (ms: number, what: string, run: (slot: string) => Promise<unknown>, atStart: boolean) => {
    const tick = () => run(String(Math.floor(now() / ms))).catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err)), what));
    if (atStart) void tick();
    const timer = setInterval(() => void tick(), ms);
    timer.unref();
    return timer;
  };
  const timers = [
    every(settings.cleanupIntervalMs, "schedule cleanup", (slot) => queue.enqueue("cleanup-expired", {}, { jobId: jobId("cleanup-expired", slot) }), false),
    every(settings.similarityIntervalMs, "schedule similarity rebuild", (slot) => queue.enqueue("rebuild-similarity", {}, { jobId: jobId("rebuild-similarity", slot) }), true),
    // At start too, so a new deployment gets a model; the handler skips it if another worker's is fresh.
    every(
      settings.mfTrainIntervalMs,
      "schedule MF training",
      (slot) => queue.enqueue("train-mf", { ifOlderThanMs: settings.mfTrainIntervalMs / 2 }, { jobId: jobId("train-mf", slot) }),
      true,
    ),
    every(settings.prefetchIntervalMs, "schedule prefetch", (slot) => enqueuePrefetch(queue, store, settings, now(), slot), false),
  ];
  return () => timers.forEach(clearInterval);
}

async function enqueuePrefetch(
  queue: JobQueue,
  store: Pick<RecommendationStore, "expiringForActiveUsers">,
  settings: ScheduleSettings,
  now: number,
  slot: string,
): Promise<void> {
  const keys = await store.expiringForActiveUsers(new Date(now + settings.prefetchAheadMs), new Date(now - ACTIVE_WITHIN_MS), PREFETCH_BATCH);
  const byCell = new Map<string, { userId: string; geohash: string; types: ContentKind[] }>();
  for (const key of keys) {
    const id = `${key.userId}:${key.geohash}`;
    const group = byCell.get(id) ?? { userId: key.userId, geohash: key.geohash, types: [] };
    group.types.push(key.contentType);
    byCell.set(id, group);
  }
  for (const { userId, geohash, types } of byCell.values()) {
    const point = geohash ? geohashCentre(geohash) : undefined;
    await queue.enqueue("prefetch", { userId, contentTypes: types, ...(point ? { geohash, ...point } : {}) }, { jobId: jobId("prefetch", userId, geohash, slot) });
  }
}
