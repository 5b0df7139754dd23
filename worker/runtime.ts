import type { MikroORM } from "@mikro-orm/core";
import type { Logger } from "pino";
import type { RecommendationConfig } from "../server/config/recommendations.js";
import { CONTENT_KINDS } from "../server/domain/content/kinds.js";
import { gazetteerGeocoder } from "../server/domain/geo/reverse-geocoder.js";
import { JOB_TYPES, type JobQueue, type JobType } from "../server/domain/ports/job-queue.js";
import { jsonListCodec } from "../server/domain/recommendations/json-list-codec.js";
import type { RecommendationAdapters } from "../server/recommendation-adapters.js";
import { OrmGenerationStore } from "../server/persistence/stores/generation-store.js";
import { OrmItemAnalyticsStore } from "../server/persistence/stores/item-analytics-store.js";
import { OrmModelStore } from "../server/persistence/stores/model-store.js";
import { OrmRecommendationStore } from "../server/persistence/stores/recommendation-store.js";
import { CatalogIndexes } from "./generation/catalog-indexes.js";
import { Generator } from "./generation/generator.js";
import { SIMILARITY_MODEL, decodeSimilarity } from "./generation/similarity-codec.js";
import { MF_MODEL, decodeMfModel } from "./engine/mf/codec.js";
import { trainMfParallel } from "./engine/mf/parallel.js";
import { DEFAULT_WEIGHTS } from "./engine/weights.js";
import { StoredModel } from "./generation/stored-model.js";
import { DEFAULT_WINDOWS, jobHandlers, type JobHandlers } from "./jobs/job-handlers.js";
import type { JobMetrics } from "../server/observability/job-metrics.js";
import { startSchedules } from "./jobs/schedule.js";

/** How often a process checks whether another one retrained a model. */
const MODEL_CHECK_MS = 60_000;
const HISTORY_LIMIT = 500;

export interface JobRuntime {
  readonly generator: Generator;
  readonly indexes: CatalogIndexes;
  readonly handlers: JobHandlers;
  /** Takes jobs from the queue, starts the periodic jobs and warms the catalog indexes. */
  start(): void;
  /** Stops the periodic jobs (the queue's close() stops taking jobs). */
  stop(): void;
}

/**
 * Everything that runs jobs, composed once: used by `npm run worker` and, in the embedded default,
 * by the API process itself, so both run the very same handlers.
 */
export function createJobRuntime(deps: {
  orm: MikroORM;
  adapters: RecommendationAdapters;
  config: RecommendationConfig;
  logger: Logger;
  metrics: JobMetrics;
}): JobRuntime {
  const { orm, adapters, config, logger, metrics } = deps;
  const onError = (err: Error, what = "job runtime") => logger.warn({ err: err.message }, what);
  const reads = new OrmGenerationStore(orm);
  const store = new OrmRecommendationStore(orm);
  const indexes = new CatalogIndexes(reads, { refreshMs: config.catalogRefreshMs, onError: (err) => onError(err, "catalog re-index failed") });
  const models = new OrmModelStore(orm);
  const similarity = new StoredModel(models, SIMILARITY_MODEL, decodeSimilarity, {
    checkMs: MODEL_CHECK_MS,
    onError: (err) => onError(err, "loading the similarity model failed"),
  });
  const mf = new StoredModel(models, MF_MODEL, decodeMfModel, {
    checkMs: MODEL_CHECK_MS,
    onError: (err) => onError(err, "loading the MF model failed"),
  });
  const geocoder = gazetteerGeocoder();
  const generator = new Generator({
    indexes,
    signals: reads,
    similarity: () => similarity.current(),
    mf: () => mf.current(),
    store,
    cache: adapters.cache,
    codec: jsonListCodec,
    events: adapters.events,
    settings: { listSize: config.listSize, listTtlMs: config.listTtlMs, cacheTtlMs: config.cacheTtlMs, historyLimit: HISTORY_LIMIT },
    cityOf: (p) => geocoder.nearest(p.latitude, p.longitude)?.name,
    onError,
  });
  const handlers = jobHandlers({
    generator,
    store,
    analytics: new OrmItemAnalyticsStore(orm),
    interactionsSince: (since) => reads.interactionsSince(since),
    similarity,
    mf,
    trainMf: (preferences) => trainMfParallel(preferences, { ...DEFAULT_WEIGHTS.mf, threads: config.mfTrainThreads, offMainThread: true }),
    settings: { geohashPrecision: config.geohashPrecision, ...DEFAULT_WINDOWS },
  });
  let stopSchedules: (() => void) | undefined;
  return {
    generator,
    indexes,
    handlers,
    start() {
      const queue: JobQueue = adapters.queue;
      for (const type of JOB_TYPES) register(queue, type, type === "generate" || type === "prefetch" ? config.jobConcurrency : 1, handlers, metrics);
      stopSchedules = startSchedules(queue, store, { ...config, prefetchAheadMs: 2 * config.prefetchIntervalMs }, onError);
      // Indexed before the first job asks, so the first list is as fast as the rest.
      for (const kind of CONTENT_KINDS) indexes.get(kind).catch((err: unknown) => onError(err as Error, `indexing the ${kind} catalog failed`));
    },
    stop() {
      stopSchedules?.();
    },
  };
}

function register<T extends JobType>(queue: JobQueue, type: T, concurrency: number, handlers: JobHandlers, metrics: JobMetrics): void {
  queue.process(type, concurrency, metrics.instrument(type, handlers[type]));
}
