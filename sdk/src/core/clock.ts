import { Code } from "@connectrpc/connect";
import { StuckError } from "./errors.js";

/** Time as the SDK sees it; replaceable so that backoff can be tested without waiting. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with a `canceled` StuckError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(canceled(signal));
      const onAbort = () => {
        clearTimeout(timer);
        reject(canceled(signal!));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};

/** The error a call ends with when its signal aborted. */
export function canceled(signal: AbortSignal): StuckError {
  return StuckError.from(signal.reason ?? new Error("the operation was aborted"), Code.Canceled);
}
