import type { Clock } from "./clock.js";
import type { RetryOptions } from "./retry.js";
import type { SessionListener } from "./session.js";
import type { TokenStore } from "./token-store.js";
import type { ReconnectOptions } from "./watch.js";

/** Sign in with the API: `login`/`register` store the session and the client refreshes it. The default. */
export interface SessionAuthOptions {
  /** Where the session is kept. Default: memory. Browsers: `localStorageTokenStore()` from `@stuckai/sdk/web`. */
  readonly store?: TokenStore;
  /** Called whenever the session is stored, refreshed or cleared (undefined: signed out). */
  readonly onSessionChange?: SessionListener;
  /** Refresh this long before the access token's expiry. Default 10 s. */
  readonly refreshSkewMs?: number;
}

/** A fixed credential (a long-lived service token, an API key, a token your own backend hands out). */
export interface TokenAuthOptions {
  /** Sent as `authorization: Bearer <token>` on every call that needs one; a function is asked before each attempt. */
  readonly token: string | (() => string | Promise<string>);
}

/** What every flavour of `createStuckClient` accepts besides how to reach the server. */
export interface StuckClientCommonOptions {
  /** How calls authenticate: a session (default), a fixed token, or `false` for none. */
  readonly auth?: SessionAuthOptions | TokenAuthOptions | false;
  /** Deadline of each attempt of a unary call, unless the call passes `timeoutMs`. Default 10 s. */
  readonly timeoutMs?: number;
  /** Deadline of a stream, unless the call passes `timeoutMs`. Default none: a watch lives until cancelled. */
  readonly streamTimeoutMs?: number;
  /** Retries of idempotent calls; `false` turns them off. */
  readonly retry?: RetryOptions | false;
  /**
   * Give every LogInteraction without an `idempotencyKey` a random one, so that it too is retried
   * safely (the server records one interaction per key). Default true; with false, such calls are
   * never retried.
   */
  readonly autoIdempotencyKeys?: boolean;
  /** Default reconnect behaviour of `content.watchRecommendations`. */
  readonly watch?: ReconnectOptions;
  /** Replaces the clock that backoff sleeps on (tests). */
  readonly clock?: Clock;
  /** Replaces `Math.random` in backoff jitter (tests). */
  readonly random?: () => number;
}
