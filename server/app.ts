import type { MikroORM } from "@mikro-orm/core";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { ConnectRouter } from "@connectrpc/connect";
import type { Logger } from "pino";
import { file_grpc_health_v1_health } from "../sdk/src/gen/grpc/health/v1/health_pb.js";
import { file_grpc_reflection_v1_reflection } from "../sdk/src/gen/grpc/reflection/v1/reflection_pb.js";
import { file_grpc_reflection_v1alpha_reflection } from "../sdk/src/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { AuthService as AuthServiceDesc, file_stuckai_auth_v1_auth } from "../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentService, file_stuckai_content_v1_content } from "../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserService, file_stuckai_user_v1_user } from "../sdk/src/gen/stuckai/user/v1/user_pb.js";
import type { Config } from "./config/config.js";
import { AccessTokens } from "./domain/auth/access-tokens.js";
import { AuthService } from "./domain/auth/auth-service.js";
import { PasswordHasher } from "./domain/auth/passwords.js";
import { authHandler } from "./handlers/auth-handler.js";
import { contentHandler } from "./handlers/content/index.js";
import { Catalog } from "./domain/content/catalog.js";
import { Interactions } from "./domain/content/interactions.js";
import { OrmInteractionLog } from "./persistence/stores/interaction-log-store.js";
import { OrmCatalogStore } from "./persistence/stores/catalog-store.js";
import { loadStarterCatalogOnStart } from "./starter-catalog-on-start.js";
import { userHandler } from "./handlers/user/index.js";
import { gazetteerGeocoder } from "./domain/geo/reverse-geocoder.js";
import { Profiles } from "./domain/users/profiles.js";
import { InteractionHistory } from "./domain/users/interaction-history.js";
import { PageTokens } from "./domain/users/page-tokens.js";
import { DataRights } from "./domain/users/data-rights.js";
import { OrmProfileStore } from "./persistence/stores/profile-store.js";
import { OrmInteractionStore } from "./persistence/stores/interaction-store.js";
import { OrmAccountDataStore } from "./persistence/stores/account-data-store.js";
import { authInterceptor } from "./interceptors/auth.js";
import { errorInterceptor } from "./interceptors/errors.js";
import { loggingInterceptor } from "./interceptors/logging.js";
import { Drain } from "./interceptors/drain.js";
import { createOps } from "./observability/ops.js";
import { capDeadline } from "./transport/deadline-cap.js";
import { requestIdInterceptor } from "./interceptors/request-id.js";
import { createRateLimiting } from "./rate-limiting.js";
import { accountPresence } from "./account-presence.js";
import { connectRedis } from "./redis.js";
import { recommendationAdapters } from "./recommendation-adapters.js";
import { runsJobsInProcess } from "./config/recommendations.js";
import { Recommendations } from "./domain/recommendations/recommendations.js";
import { ListPageTokens } from "./domain/recommendations/list-page-tokens.js";
import { jsonListCodec } from "./domain/recommendations/json-list-codec.js";
import { OrmRecommendationStore } from "./persistence/stores/recommendation-store.js";
import { apiJobMetrics, cacheLookups } from "./observability/metrics.js";
import { createJobRuntime } from "../worker/runtime.js";
import { resolveJwtSecret } from "./jwt-secret-file.js";
import { deriveKey } from "./derived-keys.js";
import { openDatabase } from "./persistence/orm.js";
import { isDatabaseUnavailable } from "./persistence/db-errors.js";
import { OrmAuthStore } from "./persistence/stores/auth-store.js";
import { registerHealth } from "./transport/health.js";
import { httpRoutes } from "./transport/http-routes.js";
import { Listener } from "./transport/listener.js";
import { sizedGzip } from "./transport/gzip.js";
import { BENCH_HEADER, benchCeiling } from "./transport/bench-ceiling.js";
import { answerFrameworkErrorsAsOurs } from "./transport/framework-errors.js";
import { keepLeadingByteOrderMarks } from "./transport/text-encoding.js";
import { registerReflection } from "./transport/reflection.js";
import { loadDocumentedDescriptors } from "./transport/documented-descriptors.js";

/** The services this server speaks; reflection describes exactly these files. */
const SERVED_FILES = [
  file_stuckai_auth_v1_auth,
  file_stuckai_user_v1_user,
  file_stuckai_content_v1_content,
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
  file_grpc_reflection_v1alpha_reflection,
];

export interface App {
  readonly port: number;
  readonly orm: MikroORM;
  readonly auth: AuthService;
  close(): Promise<void>;
}

/** Composes persistence, domain, handlers, interceptors and the listener, and starts listening. */
export async function startApp(config: Config, logger: Logger): Promise<App> {
  keepLeadingByteOrderMarks();
  const orm = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, acquireTimeoutMs: config.dbAcquireTimeoutMs, queryTimeoutMs: config.dbQueryTimeoutMs, poolSize: config.dbPoolSize });
  const jwt = resolveJwtSecret(config, logger);
  // One Redis connection per process (undefined in the embedded default), shared by every user of it.
  const redis = connectRedis(config.redisUrl, logger);
  const presence = accountPresence(config, redis, logger);
  const auth = new AuthService({
    store: new OrmAuthStore(orm),
    presence,
    hasher: new PasswordHasher(config.scryptLogN),
    accessTokens: new AccessTokens(jwt, config.accessTokenTtlSec),
    refreshTokenTtlSec: config.refreshTokenTtlSec,
    adminEmails: config.adminEmails,
  });
  const pageTokenKey = deriveKey(jwt, "page-tokens");
  // Cache, job queue and "list ready" events: in Redis, or in this process without it.
  const adapters = recommendationAdapters(config, redis, logger, apiJobMetrics.failed);
  // Opens the queue's connections now, so the first request does not pay for them.
  adapters.queue.depth().catch((err: unknown) => logger.warn({ err: String(err) }, "job queue not reachable yet"));
  const profileStore = new OrmProfileStore(orm);
  const recommendations = new Recommendations({
    store: new OrmRecommendationStore(orm),
    cache: adapters.cache,
    codec: jsonListCodec,
    queue: adapters.queue,
    events: adapters.events,
    pageTokens: new ListPageTokens(deriveKey(jwt, "list-page-tokens")),
    profileLocation: async (userId) => (await profileStore.get(userId))?.location,
    settings: { cacheTtlMs: config.recommendations.cacheTtlMs, geohashPrecision: config.recommendations.geohashPrecision, analyticsDelayMs: 5_000, watchRecheckMs: 30_000, memoLists: config.recommendations.memoLists },
    onCacheLookup: (contentType, hit) => cacheLookups.inc({ content_type: contentType, result: hit ? "hit" : "miss" }),
    onError: (err, what) => logger.warn({ err: err.message }, `recommendations: ${what} failed`),
  });
  // Profile changes and erasures invalidate and regenerate the user's lists.
  const hooks = recommendations.hooks();
  const users = {
    profiles: new Profiles({ store: profileStore, geocoder: gazetteerGeocoder(), hooks }),
    history: new InteractionHistory(new OrmInteractionStore(orm), new PageTokens(pageTokenKey)),
    dataRights: new DataRights({ store: new OrmAccountDataStore(orm), auth, presence, hooks }),
  };
  const catalog = new Catalog({ store: new OrmCatalogStore(orm) });
  // After the row is stored: verdicts make cached lists stale; every interaction feeds analytics.
  const interactions = new Interactions({
    store: new OrmInteractionLog(orm),
    afterLog: (record, duplicate) => recommendations.interactionLogged(record, duplicate),
  });
  // Without Redis (or with IN_PROCESS_JOBS=on) this process generates the lists itself.
  const jobs = runsJobsInProcess(config)
    ? createJobRuntime({ orm, adapters, config: config.recommendations, logger, metrics: apiJobMetrics })
    : undefined;
  jobs?.start();
  if (!jobs && !config.redisUrl) logger.warn("IN_PROCESS_JOBS=off without REDIS_URL: no process will generate recommendation lists");
  // Before listening, so the first call already sees the starter items.
  await loadStarterCatalogOnStart(config, catalog, logger);

  // Readiness (database, migrations, Redis) behind /ready, /health/detailed and grpc.health.v1; /metrics.
  const ops = await createOps(orm, config, { redis, queueDepth: () => adapters.queue.depth() });
  const servingStatuses = ops.servingStatuses;

  const documentedDescriptors = loadDocumentedDescriptors();
  if (documentedDescriptors.size === 0) logger.warn("descriptor image missing: reflection serves descriptors without comments (run npm run generate)");
  const routes = (router: ConnectRouter) => {
    router.service(AuthServiceDesc, authHandler(auth));
    router.service(UserService, userHandler(users));
    router.service(ContentService, contentHandler({ catalog, interactions, recommendations }));
    registerReflection(router, SERVED_FILES, documentedDescriptors);
    registerHealth(router, servingStatuses);
    // Last: rewrites connect-es's own answers to undecodable unary requests into ours.
    answerFrameworkErrorsAsOurs(router);
  };
  // Graceful shutdown per call: streams end at once with `unavailable`, unary calls get the grace period.
  const drain = new Drain();
  const rateLimiting = createRateLimiting(config, logger, redis);
  const rpc = connectNodeAdapter({
    routes,
    // Order matters: the first is outermost, so logging sees the final, mapped error.
    interceptors: [drain.interceptor(), requestIdInterceptor(), loggingInterceptor(logger), errorInterceptor(logger, { isUnavailable: isDatabaseUnavailable }), authInterceptor(auth), ...rateLimiting.interceptors],
    // Deadlines above this are shortened to it before they get here (transport/deadline-cap.ts).
    maxTimeoutMs: config.maxTimeoutMs,
    // Bounds a request after decompression: past it, resource_exhausted before it is parsed.
    readMaxBytes: config.maxMessageBytes,
    // gzip only: brotli at zlib's default quality (11) took ~50× gzip's CPU per 4 KB response for
    // 15-25% fewer bytes. Requests compressed with anything else are refused (unimplemented). The
    // window is sized to each message (transport/gzip.ts).
    acceptCompression: [sizedGzip],
    compressMinBytes: config.compressMinBytes,
  });
  // Benchmarks only: the same stack with nothing behind it (see transport/bench-ceiling.ts).
  const ceiling = config.benchCeiling ? benchCeiling() : undefined;
  const capped: typeof rpc = (req, res) => {
    capDeadline(req.headers, config.maxTimeoutMs);
    if (ceiling && req.headers[BENCH_HEADER] === "ceiling") return ceiling(req, res);
    rpc(req, res);
  };
  const listener = new Listener(httpRoutes(capped, ops.routes, { trustProxy: config.trustProxy, corsOrigins: config.corsOrigins }), {
    tls: config.tls,
    pingIntervalMs: config.lifecycle.http2PingIntervalMs,
  });
  const port = await listener.listen(config.port, config.host);
  logger.info({ port, database: config.databaseUrl ? "postgres" : "sqlite", tls: Boolean(config.tls) }, "listening");

  return {
    port,
    orm,
    auth,
    async close() {
      // Not ready any more; no new connections; streams told to reconnect elsewhere; unary calls
      // finish within the grace period, after which whatever is left is aborted and disconnected.
      const graceMs = config.lifecycle.shutdownGraceMs;
      ops.readiness.beginShutdown();
      drain.endStreams();
      const cut = setTimeout(() => drain.abortAll(), graceMs);
      await listener.close(graceMs);
      clearTimeout(cut);
      await ops.close();
      jobs?.stop();
      // Running jobs get the grace period too; then the queue's and the events' connections go.
      await adapters.queue.close(graceMs);
      await adapters.events.close();
      // Nothing is in flight once the listener has closed; no need to wait for a QUIT round trip.
      redis?.disconnect();
      await orm.close();
    },
  };
}
