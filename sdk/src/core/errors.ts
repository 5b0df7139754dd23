import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../gen/google/rpc/error_details_pb.js";

/** `ErrorInfo.domain` of every error the StuckAI server raises. */
export const ERROR_DOMAIN = "stuckai.travel";

/**
 * Machine-readable reasons: the server's `ErrorInfo.reason` values (documented in
 * `stuckai/common/v1/common.proto`) plus `CANCELED` and `UNKNOWN` for failures that never reached it.
 */
export const KNOWN_ERROR_REASONS = [
  "VALIDATION_ERROR",
  "EMAIL_TAKEN",
  "INVALID_CREDENTIALS",
  "UNAUTHENTICATED",
  "TOKEN_EXPIRED",
  "TOKEN_INVALID",
  "TOKEN_REUSED",
  "TOKEN_REVOKED",
  "PERMISSION_DENIED",
  "RATE_LIMITED",
  "MESSAGE_TOO_LARGE",
  "NOT_FOUND",
  "NOT_IMPLEMENTED",
  "UNAVAILABLE",
  "DEADLINE_EXCEEDED",
  "INTERNAL",
  "CANCELED",
  "UNKNOWN",
] as const;

export type KnownErrorReason = (typeof KNOWN_ERROR_REASONS)[number];

/** A known reason, or one a newer server added (kept open so old SDKs still compile against it). */
export type StuckErrorReason = KnownErrorReason | (string & {});

/** One bad field of a request, from `google.rpc.BadRequest`. */
export interface FieldViolation {
  /** Path of the field in the request, e.g. `email` or `profile.location.latitude`. */
  readonly field: string;
  readonly description: string;
}

// Reasons for errors without an ErrorInfo (network failures, client-side deadlines, cancellation):
// the same names the server uses for these codes, so `err.is("UNAVAILABLE")` works for both.
const CODE_REASONS: Partial<Record<Code, KnownErrorReason>> = {
  [Code.Canceled]: "CANCELED",
  [Code.InvalidArgument]: "VALIDATION_ERROR",
  [Code.DeadlineExceeded]: "DEADLINE_EXCEEDED",
  [Code.NotFound]: "NOT_FOUND",
  [Code.PermissionDenied]: "PERMISSION_DENIED",
  [Code.ResourceExhausted]: "RATE_LIMITED",
  [Code.Unimplemented]: "NOT_IMPLEMENTED",
  [Code.Internal]: "INTERNAL",
  [Code.Unavailable]: "UNAVAILABLE",
  [Code.Unauthenticated]: "UNAUTHENTICATED",
};

// Marks instances across copies of the SDK (ESM and CommonJS builds, two installed versions).
const BRAND = Symbol.for("@stuckai/sdk/StuckError");

/**
 * Every failure the SDK raises. It is a `ConnectError` (code, message, metadata, details) with the
 * server's AIP-193 details decoded. Its `name` stays `"ConnectError"` because Connect recognises
 * errors from other copies of itself by that name; use {@link isStuckError} or `instanceof StuckError`.
 */
export class StuckError extends ConnectError {
  /** `ErrorInfo.reason`, or a reason derived from the code when the server did not send one. */
  readonly reason: StuckErrorReason;
  /** The server's request id (`ErrorInfo.metadata.request_id`, else the `x-request-id` header): quote it in bug reports. */
  readonly requestId: string | undefined;
  /** The field at fault (`ErrorInfo.metadata.field`), when one is. */
  readonly field: string | undefined;
  /** Every bad field of a rejected request (`google.rpc.BadRequest`). */
  readonly fieldViolations: readonly FieldViolation[];
  /** How long the server asks to wait before trying again (`RetryInfo`, else the `retry-after` header). */
  readonly retryAfterMs: number | undefined;
  /** The complete `ErrorInfo.metadata` (request id, field, rate-limit facts such as `limit`). */
  readonly errorMetadata: Readonly<Record<string, string>>;
  /** True when the StuckAI server produced the error (it carried our ErrorInfo). */
  readonly fromServer: boolean;

  constructor(
    message: string,
    code: Code = Code.Unknown,
    metadata?: HeadersInit,
    details?: ConnectError["details"],
    cause?: unknown,
  ) {
    super(message, code, metadata, undefined, cause);
    Object.defineProperty(this, BRAND, { value: true });
    if (details) this.details.push(...details);
    const info = this.findDetails(ErrorInfoSchema).find((i) => i.domain === ERROR_DOMAIN);
    this.fromServer = info !== undefined;
    this.errorMetadata = { ...info?.metadata };
    this.reason = info?.reason || CODE_REASONS[code] || "UNKNOWN";
    this.requestId = info?.metadata.request_id || firstValue(this.metadata.get("x-request-id"));
    this.field = info?.metadata.field || undefined;
    this.fieldViolations = this.findDetails(BadRequestSchema).flatMap((b) =>
      b.fieldViolations.map((v) => ({ field: v.field, description: v.description })),
    );
    this.retryAfterMs = retryAfterMs(this);
  }

  /** True when the reason is one of `reasons`: `if (err.is("EMAIL_TAKEN")) ...`. */
  is(...reasons: StuckErrorReason[]): boolean {
    return reasons.includes(this.reason);
  }

  /** Converts anything caught into a StuckError, keeping code, metadata, details and cause. */
  static override from(reason: unknown, code: Code = Code.Unknown): StuckError {
    if (reason instanceof StuckError) return reason;
    const err = ConnectError.from(reason, code);
    return new StuckError(err.rawMessage, err.code, err.metadata, err.details, err.cause ?? (err === reason ? undefined : reason));
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
}

/** Type guard for {@link StuckError}; with `reason`, also checks the reason. */
export function isStuckError(value: unknown, reason?: StuckErrorReason): value is StuckError {
  return value instanceof StuckError && (reason === undefined || value.reason === reason);
}

// gRPC-Web repeats headers found again in the trailers ("id, id"); the first copy is the header.
function firstValue(header: string | null): string | undefined {
  const first = header?.split(",")[0]?.trim();
  return first || undefined;
}

function retryAfterMs(err: ConnectError): number | undefined {
  const delay = err.findDetails(RetryInfoSchema)[0]?.retryDelay;
  if (delay) return Number(delay.seconds) * 1000 + Math.round(delay.nanos / 1e6);
  const header = firstValue(err.metadata.get("retry-after"));
  if (!header) return undefined;
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header); // the HTTP-date form
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
