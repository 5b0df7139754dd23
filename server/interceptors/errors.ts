import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Interceptor, type StreamRequest, type UnaryRequest } from "@connectrpc/connect";
import type { Logger } from "pino";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../../sdk/src/gen/google/rpc/error_details_pb.js";
import { DomainError, type ErrorKind, type ErrorReason } from "../domain/errors.js";
import { requestIdKey } from "./context.js";

export const ERROR_DOMAIN = "stuckai.travel";

const CODES: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  already_exists: Code.AlreadyExists,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  not_found: Code.NotFound,
  resource_exhausted: Code.ResourceExhausted,
  failed_precondition: Code.FailedPrecondition,
  unimplemented: Code.Unimplemented,
  unavailable: Code.Unavailable,
};

// Reasons for errors raised by the framework itself (bad frames, deadlines, unknown methods).
const FRAMEWORK_REASONS: Partial<Record<Code, ErrorReason>> = {
  [Code.InvalidArgument]: "VALIDATION_ERROR",
  [Code.Unauthenticated]: "UNAUTHENTICATED",
  [Code.PermissionDenied]: "PERMISSION_DENIED",
  [Code.NotFound]: "NOT_FOUND",
  [Code.ResourceExhausted]: "RATE_LIMITED",
  [Code.Unimplemented]: "NOT_IMPLEMENTED",
  [Code.Unavailable]: "UNAVAILABLE",
  [Code.DeadlineExceeded]: "DEADLINE_EXCEEDED",
};

/**
 * Turns every failure into a ConnectError with AIP-193 details: ErrorInfo (reason, domain, request id),
 * BadRequest for field violations, RetryInfo where a retry makes sense. Unexpected errors become
 * `internal` with only the request id; their cause goes to the log, never to the client.
 */
export function errorInterceptor(logger: Logger, options: ErrorMappingOptions = {}): Interceptor {
  return (next) => async (req) => {
    let res;
    try {
      res = await next(req);
    } catch (err) {
      throw mapError(err, req, logger, options);
    }
    if (!res.stream) return res;
    // Errors that end a stream midway (deadline, shutdown, a failing handler) get the same treatment.
    const messages = res.message;
    return {
      ...res,
      message: (async function* () {
        try {
          yield* messages;
        } catch (err) {
          throw mapError(err, req, logger, options);
        }
      })(),
    };
  };
}

export interface ErrorMappingOptions {
  /** Infrastructure errors meaning "retry later" (e.g. the database is down): `unavailable`, not `internal`. */
  readonly isUnavailable?: (err: unknown) => boolean;
}

function mapError(err: unknown, req: UnaryRequest | StreamRequest, logger: Logger, options: ErrorMappingOptions): ConnectError {
  const requestId = req.contextValues.get(requestIdKey);
  if (err instanceof DomainError) return toConnectError(err, requestId);
  if (err instanceof ConnectError) return withFrameworkDetails(err, requestId);
  if (options.isUnavailable?.(err)) {
    // Down, restarting or out of connections: the client should retry, and it is no bug of ours.
    logger.warn({ err: err instanceof Error ? err.message : String(err), requestId, procedure: req.method.name }, "dependency unavailable");
    return toConnectError(new DomainError("unavailable", "UNAVAILABLE", "a backing service (the database) is unavailable; retry shortly", { retryAfterMs: 1_000 }), requestId);
  }

  if (req.signal.aborted || isClientGone(err)) {
    // The client cancelled, reset the stream or disconnected: nobody is left to answer, and it is no fault.
    return new ConnectError("the client went away before the answer was sent", Code.Canceled);
  }
  logger.error({ err, requestId, procedure: req.method.name }, "unexpected error");
  return new ConnectError(`internal error; quote request id ${requestId} when reporting it`, Code.Internal, undefined, [
    { desc: ErrorInfoSchema, value: errorInfo("INTERNAL", requestId) },
  ]);
}

/**
 * What connect-es raises, with `internal` or `unimplemented`, for a request it could not decode: bytes
 * that are not the method's protobuf message, a compressed flag without a negotiated encoding, a gzip
 * stream that does not inflate, no message or two where a unary or server-streaming call takes one.
 * Each is the client's fault, so `invalid_argument`. Matched on connect-es 2.1's messages (pinned).
 */
const MALFORMED_REQUEST = [
  /^parse binary: /,
  /^received compressed envelope, but do not know how to decompress/,
  /^decompression failed/,
  /^protocol error: (missing input message|received extra input message)/,
];

export function isMalformedRequest(err: ConnectError): boolean {
  return (err.code === Code.Internal || err.code === Code.Unimplemented) && MALFORMED_REQUEST.some((re) => re.test(err.rawMessage));
}

/**
 * A framework error as our own: a malformed request becomes `invalid_argument`, and an error without
 * ErrorInfo gets one (reason by code, the request id). Also used by transport/framework-errors.ts for
 * the errors connect-es raises before the interceptors run.
 */
export function withFrameworkDetails(err: ConnectError, requestId: string): ConnectError {
  if (isMalformedRequest(err)) {
    return new ConnectError(`malformed request: ${err.rawMessage}`, Code.InvalidArgument, err.metadata, [
      { desc: ErrorInfoSchema, value: errorInfo("VALIDATION_ERROR", requestId) },
    ], err);
  }
  if (err.findDetails(ErrorInfoSchema).length === 0) {
    // Not RATE_LIMITED: retrying the same message cannot succeed.
    const tooLarge = err.code === Code.ResourceExhausted && TOO_LARGE.test(err.rawMessage);
    const reason = tooLarge ? "MESSAGE_TOO_LARGE" : (FRAMEWORK_REASONS[err.code] ?? "INTERNAL");
    err.details.push({ desc: ErrorInfoSchema, value: errorInfo(reason, requestId) });
  }
  return err;
}

/** connect-es's refusal of a request above `readMaxBytes` (MAX_MESSAGE_BYTES), before or after inflating it. */
const TOO_LARGE = /larger than configured readMaxBytes/;

export function toConnectError(err: DomainError, requestId: string): ConnectError {
  const details: ConstructorParameters<typeof ConnectError>[3] & object = [
    { desc: ErrorInfoSchema, value: errorInfo(err.reason, requestId, err.options.metadata, err.violations[0]?.field) },
  ];
  if (err.violations.length > 0) {
    details.push({
      desc: BadRequestSchema,
      value: create(BadRequestSchema, {
        fieldViolations: err.violations.slice(0, MAX_VIOLATIONS).map((v) => ({ field: v.field, description: clip(v.description, MAX_DESCRIPTION) })),
      }),
    });
  }
  const metadata = new Headers();
  if (err.options.retryAfterMs !== undefined) {
    const ms = Math.max(0, Math.ceil(err.options.retryAfterMs));
    details.push({
      desc: RetryInfoSchema,
      value: create(RetryInfoSchema, {
        retryDelay: create(DurationSchema, { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 }),
      }),
    });
    metadata.set("retry-after", String(Math.ceil(ms / 1000)));
  }
  return new ConnectError(clip(err.message, MAX_MESSAGE), CODES[err.kind], metadata, details, err);
}

/**
 * gRPC carries the message and details in trailers, and clients cap those (grpc-go at 16 KiB; a
 * Node client drops the whole HTTP/2 session past its limit): an error naming a thousand bad list
 * entries, or quoting a 60 KB field back, would reach the client as a broken connection. The first
 * violations and the start of the message say what to fix.
 */
const MAX_VIOLATIONS = 20;
const MAX_DESCRIPTION = 300;
const MAX_MESSAGE = 2000;

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never between the halves of a surrogate pair: a lone one cannot be percent-encoded into grpc-message.
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length - end} more characters)`;
}

function errorInfo(reason: string, requestId: string, extra?: Readonly<Record<string, string>>, field?: string) {
  const metadata: Record<string, string> = { request_id: requestId, ...extra };
  if (field && !metadata.field) metadata.field = field;
  return create(ErrorInfoSchema, { reason, domain: ERROR_DOMAIN, metadata });
}

/** Node's errors for writing to an HTTP/2 stream or socket the peer has already closed or reset. */
const CLIENT_GONE = new Set(["ERR_HTTP2_INVALID_STREAM", "ERR_HTTP2_STREAM_ERROR", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END", "ECONNRESET", "EPIPE"]);

function isClientGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && CLIENT_GONE.has(code);
}
