/**
 * `@stuckai/sdk`: the platform-neutral core. The StuckAI message types, enums and service
 * descriptors, the typed client over any Connect transport, sessions, retries and typed errors.
 * For a client from a base URL use `@stuckai/sdk/node` (Node.js) or `@stuckai/sdk/web` (browsers,
 * React Native); both re-export everything here.
 *
 * @packageDocumentation
 */
export * from "./gen/stuckai/auth/v1/auth_pb.js";
export * from "./gen/stuckai/common/v1/common_pb.js";
export * from "./gen/stuckai/content/v1/content_pb.js";
export * from "./gen/stuckai/user/v1/user_pb.js";
export {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
  type BadRequest,
  type BadRequest_FieldViolation,
  type ErrorInfo,
  type RetryInfo,
} from "./gen/google/rpc/error_details_pb.js";

export { createStuckClient, type StuckClient, type StuckClientOptions } from "./core/client.js";
export type { SessionAuthOptions, StuckClientCommonOptions, TokenAuthOptions } from "./core/options.js";
export type { StuckAuthClient } from "./core/auth-client.js";
export type { StuckUsersClient } from "./core/users-client.js";
export type {
  InteractionExtras,
  InteractionTarget,
  RecommendationsForOptions,
  StuckContentClient,
  WatchOptions,
} from "./core/content-client.js";
export { ERROR_DOMAIN, KNOWN_ERROR_REASONS, StuckError, isStuckError, type FieldViolation, type KnownErrorReason, type StuckErrorReason } from "./core/errors.js";
export { memoryTokenStore, sessionFromTokens, type AuthSession, type SessionUser, type TokenStore } from "./core/token-store.js";
export type { SessionListener } from "./core/session.js";
export { RETRYABLE_CODES, type RetryEvent, type RetryOptions } from "./core/retry.js";
export type { ReconnectEvent, ReconnectOptions } from "./core/watch.js";
export { systemClock, type Clock } from "./core/clock.js";
export { newIdempotencyKey } from "./core/idempotency-key.js";
export { Code, ConnectError, type CallOptions, type Interceptor, type Transport } from "@connectrpc/connect";
