import type { DescMessage, DescMethod, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import { Code, createContextKey, type ContextValues, type StreamResponse, type Transport, type UnaryResponse } from "@connectrpc/connect";
import type { Clock } from "./clock.js";
import { StuckError } from "./errors.js";
import { newIdempotencyKey } from "./idempotency-key.js";
import { isIdempotent, isPublic, LOG_INTERACTION, methodKey } from "./methods.js";
import type { RetryPolicy } from "./retry.js";
import type { SessionManager } from "./session.js";

/** Where the access token comes from: the session (refreshable), a fixed token, or nowhere. */
export type Credentials =
  | { readonly kind: "session"; readonly session: SessionManager }
  | { readonly kind: "token"; readonly token: () => string | Promise<string> }
  | { readonly kind: "none" };

export interface StuckTransportOptions {
  readonly credentials: Credentials;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  /** Deadline of each unary attempt when the call sets none. */
  readonly timeoutMs: number;
  /** Deadline of a stream when the call sets none; undefined: none (a watch lives until cancelled). */
  readonly streamTimeoutMs: number | undefined;
  /** Give LogInteraction calls without an idempotency key a random one, making them retryable. */
  readonly autoIdempotencyKeys: boolean;
}

/** Records which access token a stream was opened with, so a TOKEN_EXPIRED can refresh exactly that one. */
export const sentAccessTokenKey = createContextKey<{ token?: string } | undefined>(undefined);

/**
 * Wraps a Connect transport with what every call needs: the access token, per-attempt deadlines,
 * refresh-and-retry on an expired token, retries of idempotent calls, and StuckError for every
 * failure. Interceptors of the wrapped transport run once per attempt.
 */
export function createStuckTransport(inner: Transport, o: StuckTransportOptions): Transport {
  const session = o.credentials.kind === "session" ? o.credentials.session : undefined;
  const token = async (): Promise<string | undefined> => {
    switch (o.credentials.kind) {
      case "session":
        return o.credentials.session.accessToken();
      case "token":
        return o.credentials.token();
      case "none":
        return undefined;
    }
  };

  const headersFor = async (method: DescMethod, header: HeadersInit | undefined) => {
    const headers = new Headers(header);
    let sent: string | undefined;
    if (!isPublic(method) && !headers.has("authorization")) {
      sent = await token();
      if (sent) headers.set("authorization", `Bearer ${sent}`);
    }
    return { headers, sent };
  };

  /** A refusal that a refreshed access token cures (the server refused before running the call). */
  const refreshable = (err: StuckError, sent: string | undefined) =>
    session !== undefined && sent !== undefined && err.code === Code.Unauthenticated && err.reason === "TOKEN_EXPIRED";

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      let message = input;
      if (o.autoIdempotencyKeys && methodKey(method) === LOG_INTERACTION && !(input as { idempotencyKey?: string }).idempotencyKey) {
        // One key per logical call, before the loop: every attempt carries the same one.
        message = { ...input, idempotencyKey: newIdempotencyKey() } as MessageInitShape<I>;
      }
      const idempotent = isIdempotent(method, message);
      // Set after a TOKEN_EXPIRED refusal: the token to refresh before the next attempt. Refreshing
      // inside the attempt lets a refresh that failed on the network be retried like the call.
      let expired: string | undefined;
      let refreshed = false;
      for (let attempt = 1; ; attempt++) {
        let sent: string | undefined;
        try {
          if (expired !== undefined) await session!.refresh(expired);
          expired = undefined;
          const auth = await headersFor(method, header);
          sent = auth.sent;
          const res = await inner.unary(method, signal, timeoutMs ?? o.timeoutMs, auth.headers, message, contextValues);
          o.retry.onSuccess();
          return res;
        } catch (e) {
          const err = StuckError.from(e);
          if (signal?.aborted) throw err;
          if (!refreshed && refreshable(err, sent)) {
            // Not a retry: the server refused before running the call, so any call may go again.
            refreshed = true;
            expired = sent;
            attempt--;
            continue;
          }
          const delayMs = idempotent ? o.retry.nextDelay(attempt, err) : undefined;
          if (delayMs === undefined) throw err;
          o.retry.notify({ procedure: methodKey(method), attempt: attempt + 1, delayMs, error: err });
          await o.clock.sleep(delayMs, signal);
        }
      }
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      try {
        const { headers, sent } = await headersFor(method, header);
        const holder = contextValues?.get(sentAccessTokenKey);
        if (holder) holder.token = sent;
        const res = await inner.stream(method, signal, timeoutMs ?? o.streamTimeoutMs, headers, input, contextValues);
        return { ...res, message: mapErrors(res.message) };
      } catch (e) {
        throw StuckError.from(e);
      }
    },
  };
}

async function* mapErrors<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (e) {
    throw StuckError.from(e);
  }
}
