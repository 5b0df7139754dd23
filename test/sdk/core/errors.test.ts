import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import {
  Code,
  ConnectError,
  createStuckClient,
  isStuckError,
  StuckError,
  type StuckClient,
  type StuckErrorReason,
} from "../../../sdk/src/node/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { expiredCopyOf } from "../helpers/tokens.js";

const PASSWORD = "errors-passw0rd";

/** Runs `call`, which must fail, and returns the error as raised to the caller. */
async function failure(call: Promise<unknown>): Promise<StuckError> {
  const outcome = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome, "the call should have failed").toBeDefined();
  expect(isStuckError(outcome), `not a StuckError: ${String(outcome)}`).toBe(true);
  return outcome as StuckError;
}

describe.each(["connect", "grpc"] as const)("typed errors over %s", (protocol) => {
  let server: TestServer;
  let client: StuckClient;
  let email: string;
  const make = (options: Omit<Parameters<typeof createStuckClient>[0], "baseUrl" | "protocol"> = {}) =>
    createStuckClient({ baseUrl: server.baseUrl, protocol, retry: false, ...options });

  beforeAll(async () => {
    server = await startTestServer("sqlite", { RATE_LIMITS: "Login=1000000,Register=1000000,GetAnalytics=1" });
    client = make();
    email = `errors.${protocol}.${Date.now()}@example.com`;
    await client.auth.register({ email, password: PASSWORD, displayName: "Errors" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Every field the server sets on every error: code, reason, domain-checked origin, request id. */
  function expectServerError(err: StuckError, code: Code, reason: StuckErrorReason) {
    expect({ code: Code[err.code], reason: err.reason }).toEqual({ code: Code[code], reason });
    expect(err.fromServer).toBe(true);
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(err.errorMetadata.request_id).toBe(err.requestId);
    expect(err.is(reason)).toBe(true);
    expect(err.is("SOMETHING_ELSE", reason)).toBe(true);
    expect(err.is("SOMETHING_ELSE")).toBe(false);
    expect(isStuckError(err, reason)).toBe(true);
    // Still a ConnectError for code that only knows Connect.
    expect(err).toBeInstanceOf(ConnectError);
    expect(ConnectError.from(err)).toBe(err);
  }

  it("VALIDATION_ERROR: one field violation per bad field, and the first field named", async () => {
    const err = await failure(client.auth.register({ email: "not-an-email", password: "short", displayName: "" }));
    expectServerError(err, Code.InvalidArgument, "VALIDATION_ERROR");
    expect(err.fieldViolations.map((v) => v.field).sort()).toEqual(["display_name", "email", "password"]);
    for (const v of err.fieldViolations) expect(v.description).toMatch(/\S/);
    expect(err.field).toBe(err.fieldViolations[0]!.field);
    expect(err.retryAfterMs).toBeUndefined();
  });

  it("EMAIL_TAKEN", async () => {
    const err = await failure(client.auth.register({ email, password: PASSWORD, displayName: "Again" }));
    expectServerError(err, Code.AlreadyExists, "EMAIL_TAKEN");
  });

  it("INVALID_CREDENTIALS", async () => {
    expectServerError(await failure(make().auth.login({ email, password: "wrong-passw0rd" })), Code.Unauthenticated, "INVALID_CREDENTIALS");
  });

  it("UNAUTHENTICATED, TOKEN_INVALID and TOKEN_EXPIRED for the access token", async () => {
    expectServerError(await failure(make({ auth: false }).users.getProfile({})), Code.Unauthenticated, "UNAUTHENTICATED");
    expectServerError(await failure(make({ auth: { token: "not.a.jwt" } }).users.getProfile({})), Code.Unauthenticated, "TOKEN_INVALID");
    const session = (await client.auth.getSession())!;
    const expired = make({ auth: { token: expiredCopyOf(session.accessToken) } });
    expectServerError(await failure(expired.users.getProfile({})), Code.Unauthenticated, "TOKEN_EXPIRED");
  });

  it("TOKEN_REUSED and TOKEN_REVOKED for refresh tokens", async () => {
    const other = make();
    const { tokens } = await other.auth.login({ email, password: PASSWORD });
    await other.auth.refreshToken({ refreshToken: tokens!.refreshToken });
    const reused = await failure(other.auth.refreshToken({ refreshToken: tokens!.refreshToken }));
    expectServerError(reused, Code.Unauthenticated, "TOKEN_REUSED");
    // Reuse ended the whole family, so the rotated token is revoked too.
    expectServerError(await failure(other.auth.refreshToken()), Code.Unauthenticated, "TOKEN_REVOKED");
    expect(await other.auth.getSession()).toBeUndefined();
  });

  it("PERMISSION_DENIED", async () => {
    expectServerError(await failure(client.content.importContentItems({ items: [] })), Code.PermissionDenied, "PERMISSION_DENIED");
  });

  it("NOT_FOUND names the field at fault", async () => {
    const err = await failure(client.content.getContentItem({ id: randomUUID() }));
    expectServerError(err, Code.NotFound, "NOT_FOUND");
    expect(err.field).toBe("id");
  });

  it("RATE_LIMITED carries retryAfterMs and the limiter's facts", async () => {
    await client.users.getAnalytics({});
    const err = await failure(client.users.getAnalytics({}));
    expectServerError(err, Code.ResourceExhausted, "RATE_LIMITED");
    expect(err.retryAfterMs).toBeGreaterThan(3_500_000); // the default hour window, minus a moment
    expect(err.retryAfterMs).toBeLessThanOrEqual(3_600_000);
    expect(err.errorMetadata).toMatchObject({ limit: "1", window_seconds: "3600" });
  });

  it("NOT_IMPLEMENTED, UNAVAILABLE and CANCELED for failures that never reached a StuckAI handler", async () => {
    // A service the server does not have (a copy of GetCurrentUser under another name): the router
    // answers, without our ErrorInfo.
    const real = AuthService.method.getCurrentUser;
    const nowhere = { ...real, parent: { ...AuthService, typeName: "stuckai.nothing.v1.NothingService" } } as typeof real;
    const missing = await failure(client.transport.unary(nowhere, undefined, undefined, undefined, {}));
    expect({ code: missing.code, reason: missing.reason, fromServer: missing.fromServer }).toEqual({
      code: Code.Unimplemented,
      reason: "NOT_IMPLEMENTED",
      fromServer: false,
    });
    // Nothing listens on port 1.
    const down = await failure(createStuckClient({ baseUrl: "http://127.0.0.1:1", protocol, retry: false }).auth.getCurrentUser());
    expect({ code: down.code, reason: down.reason, requestId: down.requestId, fromServer: down.fromServer }).toEqual({
      code: Code.Unavailable,
      reason: "UNAVAILABLE",
      requestId: undefined,
      fromServer: false,
    });
    const abort = new AbortController();
    abort.abort();
    const canceled = await failure(client.users.getProfile({}, { signal: abort.signal }));
    expect([canceled.code, canceled.reason]).toEqual([Code.Canceled, "CANCELED"]);
  });

  it("converts any error and recognises StuckErrors of other copies of the SDK", () => {
    const plain = StuckError.from(new Error("boom"));
    expect([plain.code, plain.reason, plain.message]).toEqual([Code.Unknown, "UNKNOWN", "[unknown] boom"]);
    expect(new ConnectError("x") instanceof StuckError).toBe(false);
    const foreign = Object.assign(new ConnectError("x", Code.NotFound), { [Symbol.for("@stuckai/sdk/StuckError")]: true });
    expect(foreign instanceof StuckError).toBe(true);
    // retry-after as an HTTP header only (no RetryInfo): seconds.
    expect(new StuckError("slow down", Code.ResourceExhausted, { "retry-after": "7" }).retryAfterMs).toBe(7000);
  });
});
