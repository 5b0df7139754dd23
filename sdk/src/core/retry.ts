import { Code } from "@connectrpc/connect";
import type { StuckError } from "./errors.js";

/** How failed idempotent calls are tried again. */
export interface RetryOptions {
  /** Attempts per call, the first included. Default 4; 1 turns retries off. */
  readonly maxAttempts?: number;
  /** Upper bound of the first backoff. Default 200 ms. */
  readonly initialDelayMs?: number;
  /** Cap of any one backoff (the bound doubles per retry until it reaches this). Default 5 s. */
  readonly maxDelayMs?: number;
  /**
   * A server that asks for a longer wait (RetryInfo or `retry-after`, e.g. an hourly rate limit)
   * gets no retry: the error is raised at once with `retryAfterMs` set. Default 30 s.
   */
  readonly maxRetryAfterMs?: number;
  /**
   * Retry budget shared by all calls of a client, as gRPC's retry throttling: every retryable
   * failure costs a token, every success returns `tokenRatio`, and retries stop while no more than
   * half of `maxTokens` are left, so an outage does not multiply the load. `false`: no budget.
   * Default `{ maxTokens: 10, tokenRatio: 0.1 }`.
   */
  readonly budget?: { readonly maxTokens?: number; readonly tokenRatio?: number } | false;
  /** Called before each retry, e.g. for logging. */
  readonly onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  /** `package.Service/Method`. */
  readonly procedure: string;
  /** The attempt about to start, 2 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: StuckError;
}

/** The codes worth another attempt: the server was unreachable, overloaded or too slow. */
export const RETRYABLE_CODES: ReadonlySet<Code> = new Set([Code.Unavailable, Code.ResourceExhausted, Code.DeadlineExceeded]);

type Resolved = Required<Omit<RetryOptions, "budget" | "onRetry">> & Pick<RetryOptions, "onRetry">;

/** Decides whether and when to retry, for every call of one client. */
export class RetryPolicy {
  private readonly o: Resolved;
  private readonly maxTokens: number;
  private readonly tokenRatio: number;
  private tokens: number;

  constructor(
    options: RetryOptions | false | undefined,
    /** A number in [0, 1); replaceable for deterministic tests. */
    private readonly random: () => number = Math.random,
  ) {
    const o = options || {};
    this.o = {
      maxAttempts: options === false ? 1 : Math.max(1, o.maxAttempts ?? 4),
      initialDelayMs: o.initialDelayMs ?? 200,
      maxDelayMs: o.maxDelayMs ?? 5_000,
      maxRetryAfterMs: o.maxRetryAfterMs ?? 30_000,
      onRetry: o.onRetry,
    };
    const budget = o.budget === false ? undefined : { maxTokens: 10, tokenRatio: 0.1, ...o.budget };
    this.maxTokens = budget?.maxTokens ?? Number.POSITIVE_INFINITY;
    this.tokenRatio = budget?.tokenRatio ?? 0;
    this.tokens = this.maxTokens;
  }

  /** Full-jitter exponential backoff before retry number `retry` (1 for the first retry). */
  backoffMs(retry: number): number {
    const bound = Math.min(this.o.maxDelayMs, this.o.initialDelayMs * 2 ** (retry - 1));
    return Math.floor(this.random() * bound);
  }

  onSuccess(): void {
    this.tokens = Math.min(this.maxTokens, this.tokens + this.tokenRatio);
  }

  /**
   * After attempt number `attempt` of a retryable call failed with `err`: the delay before the next
   * attempt, or undefined when the error must be raised.
   */
  nextDelay(attempt: number, err: StuckError): number | undefined {
    // The same oversized message would be refused again: resource_exhausted, but not a passing state.
    if (!RETRYABLE_CODES.has(err.code) || err.is("MESSAGE_TOO_LARGE")) return undefined;
    this.tokens = Math.max(0, this.tokens - 1);
    if (attempt >= this.o.maxAttempts) return undefined;
    if (this.maxTokens !== Number.POSITIVE_INFINITY && this.tokens <= this.maxTokens / 2) return undefined;
    if (err.retryAfterMs !== undefined) {
      // The server knows when capacity returns: wait that long, not less; never guess shorter.
      return err.retryAfterMs <= this.o.maxRetryAfterMs ? err.retryAfterMs : undefined;
    }
    return this.backoffMs(attempt);
  }

  notify(event: RetryEvent): void {
    this.o.onRetry?.(event);
  }
}
