import { execFile } from "node:child_process";
import http from "node:http";
import { promisify } from "node:util";
import { create, fromBinary } from "@bufbuild/protobuf";
import { anyUnpack, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { ServerReflection, ServerReflectionRequestSchema } from "../../sdk/src/gen/grpc/reflection/v1/reflection_pb.js";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../sdk/src/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../sdk/src/gen/google/rpc/status_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "../../sdk/src/gen/grpc/health/v1/health_pb.js";
import { AuthService, type RegisterResponse } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentService } from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { ContentType } from "../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { UserService } from "../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { bearer, client, makeTransport, TRANSPORTS } from "../helpers/clients.js";
import { expectRpcError } from "../helpers/errors.js";
import { grpcJsClient, unary } from "../helpers/grpc-js.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "s3cret-passphrase";
let server: TestServer;
let n = 0;
const email = () => `proto.${++n}@example.com`;

beforeAll(async () => {
  server = await startTestServer("sqlite");
});
afterAll(async () => {
  await server?.stop();
});

/** A plain HTTP/1.1 JSON POST, as `curl` sends it. */
function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any; httpVersion: string }>((resolve, reject) => {
    const req = http.request(
      `${server.baseUrl}${path}`,
      { method: "POST", headers: { "content-type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text), httpVersion: res.httpVersion }),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("one port, every protocol", () => {
  it("registers over @grpc/grpc-js, logs in with curl-style Connect JSON over HTTP/1.1, and reads the user over gRPC-Web", async () => {
    const e = email();
    const grpcJs = grpcJsClient(AuthService, `127.0.0.1:${server.app.port}`);
    const { response: registered } = await unary<RegisterResponse>(grpcJs, "register", {
      $typeName: "stuckai.auth.v1.RegisterRequest",
      email: e,
      password: PASSWORD,
      displayName: "Grpc Js",
    });
    grpcJs.close();
    expect(registered.user?.email).toBe(e);

    const login = await postJson("/stuckai.auth.v1.AuthService/Login", { email: e, password: PASSWORD });
    expect(login.httpVersion).toBe("1.1");
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(registered.user!.id);
    expect(login.body.tokens.tokenType).toBe("Bearer");

    const web = client(AuthService, "grpc-web-h1", server.baseUrl, login.body.tokens.accessToken);
    const me = await web.getCurrentUser({});
    expect(me.user?.id).toBe(registered.user!.id);
  });

  it.each(TRANSPORTS)("serves %s: success, typed errors with details, and the request id", async (transport) => {
    const e = email();
    let responseHeaders: Headers | undefined;
    const auth = createClient(AuthService, makeTransport(transport, server.baseUrl));
    const reg = await auth.register(
      { email: e, password: PASSWORD, displayName: "T" },
      { onHeader: (h) => (responseHeaders = h), headers: { "x-request-id": `req-${transport}` } },
    );
    expect(responseHeaders?.get("x-request-id")).toBe(`req-${transport}`);
    const me = await createClient(AuthService, makeTransport(transport, server.baseUrl, [bearer(reg.tokens!.accessToken)])).getCurrentUser({});
    expect(me.user?.email).toBe(e);

    const err = await expectRpcError(auth.register({ email: e, password: PASSWORD, displayName: "T" }, { headers: { "x-request-id": "dup-1" } }), {
      code: Code.AlreadyExists,
      reason: "EMAIL_TAKEN",
    });
    expect(err.findDetails(ErrorInfoSchema)[0]?.metadata).toMatchObject({ request_id: "dup-1", field: "email" });
  });

  it("gives @grpc/grpc-js clients the code, message and google.rpc.Status details", async () => {
    const grpcJs = grpcJsClient(AuthService, `127.0.0.1:${server.app.port}`);
    const err: grpc.ServiceError = await unary(grpcJs, "login", { $typeName: "stuckai.auth.v1.LoginRequest", email: "x@y.zz", password: "nope" }).then(
      () => expect.fail("login should fail"),
      (e: grpc.ServiceError) => e,
    );
    grpcJs.close();
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.details).toBe("email or password is incorrect");
    const status = fromBinary(StatusSchema, err.metadata.get("grpc-status-details-bin")[0] as Buffer);
    const info = status.details.map((d) => anyUnpack(d, ErrorInfoSchema)).find(Boolean);
    expect(info?.reason).toBe("INVALID_CREDENTIALS");
    expect(err.metadata.get("x-request-id")[0]).toBe(info?.metadata.request_id);
  });

  it("generates a request id when none (or an unacceptable one) is sent", async () => {
    const res = await postJson("/stuckai.auth.v1.AuthService/Login", { email: "", password: "" }, { "x-request-id": "bad id with spaces" });
    expect(res.status).toBe(400);
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.code).toBe("invalid_argument");
  });
});

describe("errors of unary and streaming RPCs", () => {
  it("answers a bad request with invalid_argument naming the field, for unary and streaming RPCs", async () => {
    const reg = await client(AuthService, "grpc", server.baseUrl).register({ email: email(), password: PASSWORD, displayName: "U" });
    const token = reg.tokens!.accessToken;
    const err = await expectRpcError(client(ContentService, "grpc", server.baseUrl, token).getRecommendations({}), {
      code: Code.InvalidArgument,
      reason: "VALIDATION_ERROR",
    });
    expect(err.rawMessage).toContain("content_type");
    const stream = client(ContentService, "connect-binary-h2", server.baseUrl, token).watchRecommendations({ pageSize: 1000 });
    const streamErr = await expectRpcError(
      (async () => {
        for await (const _ of stream);
      })(),
      { code: Code.InvalidArgument, reason: "VALIDATION_ERROR" },
    );
    expect(streamErr.rawMessage).toContain("page_size");
  });

  it("still authenticates first: no token is unauthenticated, not a validation error", async () => {
    await expectRpcError(client(UserService, "connect-json-h1", server.baseUrl).getProfile({}), {
      code: Code.Unauthenticated,
      reason: "UNAUTHENTICATED",
    });
  });
});

describe("health", () => {
  it("answers grpc.health.v1 Check and plain GET /health and /ready", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: server.baseUrl }));
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await health.check({ service: "stuckai.auth.v1.AuthService" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    for (const path of ["/health", "/ready"]) {
      const res = await fetch(`${server.baseUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-request-id")).toBeTruthy();
    }
  });
});

describe("reflection", () => {
  it("serves the documented descriptors, so tools show the proto comments", async () => {
    const reflection = createClient(ServerReflection, createGrpcTransport({ baseUrl: server.baseUrl }));
    const requests = (async function* () {
      yield create(ServerReflectionRequestSchema, { messageRequest: { case: "fileContainingSymbol", value: "stuckai.auth.v1.AuthService" } });
    })();
    const files = [];
    for await (const res of reflection.serverReflectionInfo(requests)) {
      if (res.messageResponse.case !== "fileDescriptorResponse") throw new Error(`unexpected ${res.messageResponse.case}`);
      files.push(...res.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b)));
    }
    const auth = files.find((f) => f.name === "stuckai/auth/v1/auth.proto");
    const comments = auth?.sourceCodeInfo?.location.map((l) => l.leadingComments).join("\n");
    expect(comments).toContain("Creates an account and signs it in.");
    expect(files.map((f) => f.name)).toContain("google/protobuf/timestamp.proto");
  });
});

describe("buf curl (reflection, no proto files)", () => {
  const buf = (...args: string[]) => promisify(execFile)("node_modules/.bin/buf", ["curl", ...args], { timeout: 30_000 });

  it("lists every service over gRPC with HTTP/2 prior knowledge", async () => {
    const { stdout } = await buf("--http2-prior-knowledge", "--protocol", "grpc", "--list-services", server.baseUrl);
    expect(stdout.trim().split("\n").sort()).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "stuckai.auth.v1.AuthService",
      "stuckai.content.v1.ContentService",
      "stuckai.user.v1.UserService",
    ]);
    const methods = await buf("--http2-prior-knowledge", "--protocol", "grpc", "--list-methods", server.baseUrl);
    expect(methods.stdout).toContain("stuckai.content.v1.ContentService/WatchRecommendations");
  });

  it.each([
    ["grpcweb", ["--http2-prior-knowledge"]],
    ["connect", []],
    ["grpc", ["--http2-prior-knowledge"]],
  ])("calls Register and GetCurrentUser over %s", async (protocol, flags) => {
    const e = email();
    const reg = await buf(...flags, "--protocol", protocol, "-d", JSON.stringify({ email: e, password: PASSWORD, displayName: "Buf" }), `${server.baseUrl}/stuckai.auth.v1.AuthService/Register`);
    const token = JSON.parse(reg.stdout).tokens.accessToken;
    const me = await buf(...flags, "--protocol", protocol, "-H", `authorization: Bearer ${token}`, `${server.baseUrl}/stuckai.auth.v1.AuthService/GetCurrentUser`);
    expect(JSON.parse(me.stdout).user.email).toBe(e);
  });
});
