import { Code, createContextValues, type ContextValues } from "@connectrpc/connect";
import type { Clock } from "./clock.js";
import { StuckError } from "./errors.js";
import type { SessionManager } from "./session.js";
import { sentAccessTokenKey } from "./transport.js";

/** How a watch reconnects after its stream broke. */
export interface ReconnectOptions {
  /** Upper bound of the first backoff. Default 500 ms. */
  readonly initialDelayMs?: number;
  /** Cap of any one backoff. Default 30 s. */
  readonly maxDelayMs?: number;
  /** Consecutive failed reconnects before the last error is raised. Default: unlimited (cancel with the signal). */
  readonly maxAttempts?: number;
  /** Called before each reconnect, e.g. to show "reconnecting" in a UI. */
  readonly onReconnect?: (event: ReconnectEvent) => void;
}

export interface ReconnectEvent {
  /** 1 for the first reconnect after a working stream. */
  readonly attempt: number;
  readonly delayMs: number;
  /** Why the stream ended; undefined when the server closed it without an error. */
  readonly error: StuckError | undefined;
}

export interface ReconnectingOptions<T> {
  /** Opens one stream. */
  readonly open: (signal: AbortSignal, contextValues: ContextValues) => AsyncIterable<T>;
  readonly signal: AbortSignal | undefined;
  readonly contextValues: ContextValues | undefined;
  /** `false`: the first end or failure ends the iteration (an error is raised). */
  readonly reconnect: ReconnectOptions | false;
  readonly clock: Clock;
  readonly random: () => number;
  /** Refreshes an expired access token before reconnecting; absent without a session. */
  readonly session: SessionManager | undefined;
  /** A message equal to the last one delivered is skipped (a reconnected stream repeats the current state). */
  readonly same: (a: T, b: T) => boolean;
}

/**
 * Reads a server stream, opening it again with full-jitter backoff whenever it breaks for a
 * reason a reconnect can cure. Ends quietly when `signal` aborts; a `break` in the consumer's
 * loop cancels the stream.
 */
export async function* reconnecting<T>(o: ReconnectingOptions<T>): AsyncGenerator<T, void, undefined> {
  const policy = o.reconnect || {};
  const initial = policy.initialDelayMs ?? 500;
  const cap = policy.maxDelayMs ?? 30_000;
  const maxAttempts = o.reconnect === false ? 0 : (policy.maxAttempts ?? Number.POSITIVE_INFINITY);
  let failures = 0;
  let refreshed = false;
  let last: { value: T } | undefined;
  for (;;) {
    if (o.signal?.aborted) return;
    const stream = new AbortController();
    const onAbort = () => stream.abort(o.signal?.reason);
    o.signal?.addEventListener("abort", onAbort, { once: true });
    const contextValues = o.contextValues ?? createContextValues();
    const sent: { token?: string } = {};
    contextValues.set(sentAccessTokenKey, sent);
    let error: StuckError | undefined;
    try {
      for await (const message of o.open(stream.signal, contextValues)) {
        failures = 0;
        refreshed = false;
        if (last && o.same(last.value, message)) continue;
        last = { value: message };
        yield message;
      }
    } catch (e) {
      error = StuckError.from(e);
    } finally {
      o.signal?.removeEventListener("abort", onAbort);
      stream.abort(); // the consumer left the loop, or the stream is over: release it
    }
    if (o.signal?.aborted) return;
    if (error && o.session && !refreshed && sent.token && error.code === Code.Unauthenticated && error.reason === "TOKEN_EXPIRED") {
      try {
        await o.session.refresh(sent.token);
        refreshed = true; // once per working stream: a token refused right after a refresh is an error
        continue;
      } catch (e) {
        // A refused refresh ends the session and the watch; a network failure is waited out below.
        error = StuckError.from(e);
      }
    }
    if (error && !reconnectable(error)) throw error;
    if (o.reconnect === false) {
      if (error) throw error;
      return;
    }
    failures++;
    if (failures > maxAttempts) throw error ?? new StuckError("the stream kept ending without a message", Code.Unavailable);
    const delayMs = error?.retryAfterMs ?? Math.floor(o.random() * Math.min(cap, initial * 2 ** (failures - 1)));
    policy.onReconnect?.({ attempt: failures, delayMs, error });
    try {
      await o.clock.sleep(delayMs, o.signal);
    } catch {
      return; // cancelled while waiting
    }
  }
}

/**
 * The server sends `unavailable` when it shuts down and `deadline_exceeded` when a deadline ends a
 * stream; failures without our ErrorInfo come from the network (a reset stream, a browser's
 * "network error"), which is exactly what reconnecting is for.
 */
function reconnectable(err: StuckError): boolean {
  if (err.code === Code.Unavailable || err.code === Code.DeadlineExceeded || err.code === Code.ResourceExhausted) return true;
  return !err.fromServer && (err.code === Code.Unknown || err.code === Code.Internal || err.code === Code.Canceled || err.code === Code.Aborted);
}
