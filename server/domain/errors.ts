/**
 * Transport-free errors of the domain layer. The error interceptor maps each kind to a
 * Connect/gRPC code and the AIP-193 details (ErrorInfo, BadRequest, RetryInfo).
 */
export type ErrorKind =
  | "invalid_argument"
  | "already_exists"
  | "unauthenticated"
  | "permission_denied"
  | "not_found"
  | "resource_exhausted"
  | "failed_precondition"
  | "unimplemented"
  | "unavailable";

/** Machine-readable reasons, sent as `ErrorInfo.reason`. Documented in common.proto. */
/** Every `ErrorInfo.reason` the server sends; documented in `stuckai/common/v1/common.proto`. */
export const ERROR_REASONS = [
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
] as const;

export type ErrorReason = (typeof ERROR_REASONS)[number];

export interface FieldViolation {
  /** Path of the offending field in the request, e.g. `email` or `profile.location.latitude`. */
  readonly field: string;
  readonly description: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly reason: ErrorReason,
    message: string,
    readonly options: {
      readonly violations?: readonly FieldViolation[];
      readonly retryAfterMs?: number;
      readonly metadata?: Readonly<Record<string, string>>;
    } = {},
  ) {
    super(message);
    this.name = "DomainError";
  }

  get violations(): readonly FieldViolation[] {
    return this.options.violations ?? [];
  }
}

/** One `invalid_argument` error naming every bad field; the message lists them for humans. */
export function validationError(violations: readonly FieldViolation[]): DomainError {
  const summary = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  return new DomainError("invalid_argument", "VALIDATION_ERROR", `invalid request: ${summary}`, {
    violations,
  });
}

/** Collects field violations and throws them together, so a client fixes everything in one round trip. */
export class Violations {
  private readonly list: FieldViolation[] = [];

  add(field: string, description: string): this {
    this.list.push({ field, description });
    return this;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw validationError(this.list);
  }
}
