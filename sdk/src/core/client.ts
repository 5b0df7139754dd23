import { createClient, type Transport } from "@connectrpc/connect";
import { AuthService } from "../gen/stuckai/auth/v1/auth_pb.js";
import { ContentService } from "../gen/stuckai/content/v1/content_pb.js";
import { UserService } from "../gen/stuckai/user/v1/user_pb.js";
import { createAuthClient, type StuckAuthClient } from "./auth-client.js";
import { systemClock } from "./clock.js";
import { createContentClient, type StuckContentClient } from "./content-client.js";
import type { StuckClientCommonOptions } from "./options.js";
import { RetryPolicy } from "./retry.js";
import { SessionManager } from "./session.js";
import { memoryTokenStore } from "./token-store.js";
import { createStuckTransport, type Credentials } from "./transport.js";
import { createUsersClient, type StuckUsersClient } from "./users-client.js";

/** One client per service, sharing the session, retry budget and transport. */
export interface StuckClient {
  readonly auth: StuckAuthClient;
  readonly users: StuckUsersClient;
  readonly content: StuckContentClient;
  /** The transport with the SDK's auth, deadlines, retries and errors, for `createClient(OtherService, ...)`. */
  readonly transport: Transport;
}

export interface StuckClientOptions extends StuckClientCommonOptions {
  /** Any Connect transport; `@stuckai/sdk/node` and `@stuckai/sdk/web` build one from a base URL. */
  readonly transport: Transport;
}

/**
 * The platform-neutral client over a transport you built. Most code wants `createStuckClient` from
 * `@stuckai/sdk/node` or `@stuckai/sdk/web`, which take a base URL. A bare transport is accepted
 * too (every option at its default).
 */
export function createStuckClient(options: StuckClientOptions | Transport): StuckClient {
  const o: StuckClientOptions = isTransport(options) ? { transport: options } : options;
  const clock = o.clock ?? systemClock;
  const random = o.random ?? Math.random;
  const auth = o.auth ?? {};
  const storesSession = auth !== false && !("token" in auth);

  // The session refreshes through the client's own transport: RefreshToken is public and not
  // idempotent, so it is sent without a token and never retried (a repeat would end the session).
  let rawAuth: ReturnType<typeof createClient<typeof AuthService>> | undefined;
  const session = new SessionManager(
    (storesSession && auth.store) || memoryTokenStore(),
    async (refreshToken) => (await rawAuth!.refreshToken({ refreshToken })).tokens!,
    clock,
    (storesSession && auth.refreshSkewMs) || 10_000,
  );
  if (storesSession && auth.onSessionChange) session.onChange(auth.onSessionChange);

  const credentials: Credentials =
    auth === false
      ? { kind: "none" }
      : "token" in auth
        ? { kind: "token", token: typeof auth.token === "function" ? auth.token : () => auth.token as string }
        : { kind: "session", session };
  const transport = createStuckTransport(o.transport, {
    credentials,
    retry: new RetryPolicy(o.retry, random),
    clock,
    timeoutMs: o.timeoutMs ?? 10_000,
    streamTimeoutMs: o.streamTimeoutMs,
    autoIdempotencyKeys: o.autoIdempotencyKeys ?? true,
  });
  rawAuth = createClient(AuthService, transport);
  return {
    auth: createAuthClient(rawAuth, session, storesSession),
    users: createUsersClient(createClient(UserService, transport), session, storesSession),
    content: createContentClient(createClient(ContentService, transport), {
      clock,
      random,
      session: storesSession ? session : undefined,
      reconnect: o.watch ?? {},
    }),
    transport,
  };
}

function isTransport(value: StuckClientOptions | Transport): value is Transport {
  return typeof (value as Transport).unary === "function" && typeof (value as Transport).stream === "function";
}
