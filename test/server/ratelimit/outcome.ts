import { ConnectError, type CallOptions } from "@connectrpc/connect";

export interface Outcome {
  readonly error: ConnectError | undefined;
  /** Response headers and trailers, plus the error's metadata on failure (where Connect clients put both). */
  readonly headers: Headers;
}

/** Runs a call that may succeed or fail and gathers what the client saw of its metadata. */
export async function outcome(run: (opts: CallOptions) => Promise<unknown>, headers: Record<string, string> = {}): Promise<Outcome> {
  const seen = new Headers();
  const copy = (h: Headers) => h.forEach((v, k) => seen.set(k, v));
  try {
    await run({ headers, onHeader: copy, onTrailer: copy });
    return { error: undefined, headers: seen };
  } catch (err) {
    const error = ConnectError.from(err);
    copy(error.metadata);
    return { error, headers: seen };
  }
}

/** The three rate-limit headers, or undefined for each one missing. */
export function limits(h: Headers) {
  return {
    limit: h.get("x-ratelimit-limit") ?? undefined,
    remaining: h.get("x-ratelimit-remaining") ?? undefined,
    reset: h.get("x-ratelimit-reset") ?? undefined,
  };
}
