import type { DescMethod } from "@bufbuild/protobuf";

/** `package.Service/Method`, as in the URL path and the server's logs. */
export function methodKey(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

export const LOG_INTERACTION = "stuckai.content.v1.ContentService/LogInteraction";

/** RPCs that take no access token (the server ignores one; sending an expired one would only confuse). */
const PUBLIC = new Set([
  "stuckai.auth.v1.AuthService/Register",
  "stuckai.auth.v1.AuthService/Login",
  "stuckai.auth.v1.AuthService/RefreshToken",
  "stuckai.auth.v1.AuthService/Logout",
]);

/**
 * RPCs that may run twice with the effect of once. Left out on purpose: Register and Login (a
 * second account attempt or session), RefreshToken (rotation: a repeat ends the session as reused),
 * Logout and DeleteAccount (a repeat fails), and LogInteraction without an idempotency key.
 */
const IDEMPOTENT = new Set([
  "stuckai.auth.v1.AuthService/GetCurrentUser",
  "stuckai.user.v1.UserService/GetProfile",
  "stuckai.user.v1.UserService/UpdateProfile", // sets the masked fields to given values
  "stuckai.user.v1.UserService/ListInteractionHistory",
  "stuckai.user.v1.UserService/GetAnalytics",
  "stuckai.user.v1.UserService/ExportUserData",
  "stuckai.content.v1.ContentService/GetRecommendations",
  "stuckai.content.v1.ContentService/WatchRecommendations",
  "stuckai.content.v1.ContentService/RefreshRecommendations", // queues a regeneration; twice is harmless
  "stuckai.content.v1.ContentService/GetContentItem",
  "stuckai.content.v1.ContentService/ImportContentItems", // upserts by (content type, external id)
]);

export function isPublic(method: DescMethod): boolean {
  return PUBLIC.has(methodKey(method));
}

/** Whether a call may be sent again after a failure that may have happened after the server acted. */
export function isIdempotent(method: DescMethod, input: unknown): boolean {
  const k = methodKey(method);
  if (k === LOG_INTERACTION) return Boolean((input as { idempotencyKey?: string } | undefined)?.idempotencyKey);
  // Or declared in the proto (`option idempotency_level`; 0 is IDEMPOTENCY_UNKNOWN).
  return IDEMPOTENT.has(k) || method.idempotency !== 0;
}
