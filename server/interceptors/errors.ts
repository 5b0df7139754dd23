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
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    let res;
    try {
      res = await next(req);
    } catch (err) {
      throw mapError(err, req, logger);
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
          throw mapError(err, req, logger);
        }
      })(),
    };
  };
}

function mapError(err: unknown, req: UnaryRequest | StreamRequest, logger: Logger): ConnectError {
  const requestId = req.contextValues.get(requestIdKey);
  if (err instanceof DomainError) return toConnectError(err, requestId);
  if (err instanceof ConnectError) {
    if (err.findDetails(ErrorInfoSchema).length === 0) {
      const reason = FRAMEWORK_REASONS[err.code] ?? "INTERNAL";
      err.details.push({ desc: ErrorInfoSchema, value: errorInfo(reason, requestId) });
    }
    return err;
  }
  logger.error({ err, requestId, procedure: req.method.name }, "unexpected error");
  return new ConnectError(`internal error; quote request id ${requestId} when reporting it`, Code.Internal, undefined, [
    { desc: ErrorInfoSchema, value: errorInfo("INTERNAL", requestId) },
  ]);
}

export function toConnectError(err: DomainError, requestId: string): ConnectError {
  const details: ConstructorParameters<typeof ConnectError>[3] & object = [
    { desc: ErrorInfoSchema, value: errorInfo(err.reason, requestId, err.options.metadata, err.violations[0]?.field) },
  ];
  if (err.violations.length > 0) {
    details.push({
      desc: BadRequestSchema,
      value: create(BadRequestSchema, {
        fieldViolations: err.violations.map((v) => ({ field: v.field, description: v.description })),
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
  return new ConnectError(err.message, CODES[err.kind], metadata, details, err);
}

function errorInfo(reason: string, requestId: string, extra?: Readonly<Record<string, string>>, field?: string) {
  const metadata: Record<string, string> = { request_id: requestId, ...extra };
  if (field && !metadata.field) metadata.field = field;
  return create(ErrorInfoSchema, { reason, domain: ERROR_DOMAIN, metadata });
}
