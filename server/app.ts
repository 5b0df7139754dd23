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
import type { Config } from "./config.js";
import { AccessTokens } from "./domain/auth/access-tokens.js";
import { AuthService } from "./domain/auth/auth-service.js";
import { PasswordHasher } from "./domain/auth/passwords.js";
import { authHandler } from "./handlers/auth-handler.js";
import { notImplemented } from "./handlers/not-implemented.js";
import { userHandler } from "./handlers/user/index.js";
import { gazetteerGeocoder } from "./domain/geo/reverse-geocoder.js";
import { NO_HOOKS } from "./domain/users/hooks.js";
import { Profiles } from "./domain/users/profiles.js";
import { InteractionHistory } from "./domain/users/interaction-history.js";
import { DataRights } from "./domain/users/data-rights.js";
import { OrmProfileStore } from "./persistence/stores/profile-store.js";
import { authInterceptor } from "./interceptors/auth.js";
import { errorInterceptor } from "./interceptors/errors.js";
import { loggingInterceptor } from "./interceptors/logging.js";
import { requestIdInterceptor } from "./interceptors/request-id.js";
import { resolveJwtSecret } from "./jwt-secret-file.js";
import { deriveKey } from "./derived-keys.js";
import { openDatabase } from "./persistence/orm.js";
import { OrmAuthStore } from "./persistence/stores/auth-store.js";
import { registerHealth } from "./transport/health.js";
import { httpRoutes } from "./transport/http-routes.js";
import { Listener } from "./transport/listener.js";
import { registerReflection } from "./transport/reflection.js";

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
  const orm = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  const jwt = resolveJwtSecret(config, logger);
  const auth = new AuthService({
    store: new OrmAuthStore(orm),
    hasher: new PasswordHasher(config.scryptLogN),
    accessTokens: new AccessTokens(jwt, config.accessTokenTtlSec),
    refreshTokenTtlSec: config.refreshTokenTtlSec,
    adminEmails: config.adminEmails,
  });
  const pageTokenKey = deriveKey(jwt, "page-tokens");
  // The content issue replaces NO_HOOKS with cache invalidation and regeneration.
  const hooks = NO_HOOKS;
  const users = {
    profiles: new Profiles({ store: new OrmProfileStore(orm), geocoder: gazetteerGeocoder(), hooks }),
    history: new InteractionHistory(),
    dataRights: new DataRights(),
  };

  const databaseUp = async () => {
    try {
      await orm.em.getConnection().execute("select 1");
      return true;
    } catch {
      return false;
    }
  };
  const servingStatuses = async () => {
    const up = await databaseUp();
    const services = [AuthServiceDesc, UserService, ContentService].map((s) => [s.typeName, up] as const);
    return new Map<string, boolean>([["", up], ...services]);
  };

  const routes = (router: ConnectRouter) => {
    router.service(AuthServiceDesc, authHandler(auth));
    router.service(UserService, userHandler(users));
    router.service(ContentService, notImplemented(ContentService));
    registerReflection(router, SERVED_FILES);
    registerHealth(router, servingStatuses);
  };
  const shutdown = new AbortController();
  const rpc = connectNodeAdapter({
    routes,
    // Order matters: the first is outermost, so logging sees the final, mapped error.
    interceptors: [requestIdInterceptor(), loggingInterceptor(logger), errorInterceptor(logger), authInterceptor(auth)],
    maxTimeoutMs: config.maxTimeoutMs,
    shutdownSignal: shutdown.signal,
  });
  const listener = new Listener(httpRoutes(rpc, { ready: databaseUp }), { tls: config.tls });
  const port = await listener.listen(config.port, config.host);
  logger.info({ port, database: config.databaseUrl ? "postgres" : "sqlite", tls: Boolean(config.tls) }, "listening");

  return {
    port,
    orm,
    auth,
    async close() {
      shutdown.abort();
      await listener.close();
      await orm.close();
    },
  };
}
