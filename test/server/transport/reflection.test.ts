import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { create, fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { file_stuckai_auth_v1_auth } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { file_stuckai_content_v1_content } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { file_stuckai_user_v1_user } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { file_grpc_health_v1_health, Health, HealthCheckResponse_ServingStatus as Status } from "../../../sdk/src/gen/grpc/health/v1/health_pb.js";
import {
  file_grpc_reflection_v1_reflection,
  ServerReflection,
  ServerReflectionRequestSchema,
  type ServerReflectionResponse,
} from "../../../sdk/src/gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../../sdk/src/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { registerHealth } from "../../../server/transport/health.js";
import { registerReflection } from "../../../server/transport/reflection.js";

const SERVICES = [
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
  "stuckai.auth.v1.AuthService",
  "stuckai.content.v1.ContentService",
  "stuckai.user.v1.UserService",
];

const health = new Map([["", true], ["stuckai.auth.v1.AuthService", true], ["stuckai.user.v1.UserService", false]]);
let healthCalls = 0;
const sessions = new Set<http2.Http2Session>();
let server: http2.Http2Server;
let baseUrl: string;

beforeAll(async () => {
  const routes = (router: ConnectRouter) => {
    registerReflection(router, [
      file_stuckai_auth_v1_auth,
      file_stuckai_user_v1_user,
      file_stuckai_content_v1_content,
      file_grpc_reflection_v1_reflection,
      v1alpha.file_grpc_reflection_v1alpha_reflection,
      file_grpc_health_v1_health,
    ]);
    registerHealth(router, () => (healthCalls++, health), { watchIntervalMs: 20 });
  };
  server = http2.createServer(connectNodeAdapter({ routes }));
  // The client keeps its HTTP/2 session alive, so close() alone would wait for its idle timeout.
  server.on("session", (s) => (sessions.add(s), s.once("close", () => sessions.delete(s))));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sessions) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function* stream<T>(items: T[]) {
  yield* items;
}
// connect-node 2 dropped createGrpcTransport's httpVersion option: gRPC always uses HTTP/2.
const transport = () => createGrpcTransport({ baseUrl });

async function reflect(...reqs: MessageInitShape<typeof ServerReflectionRequestSchema>[]): Promise<ServerReflectionResponse[]> {
  const client = createClient(ServerReflection, transport());
  const out: ServerReflectionResponse[] = [];
  // One stream for all requests, so per-stream state ("already sent" files) is exercised.
  for await (const res of client.serverReflectionInfo(stream(reqs))) out.push(res);
  return out;
}

const descriptors = (res: ServerReflectionResponse) => {
  if (res.messageResponse.case !== "fileDescriptorResponse") throw new Error(`unexpected ${res.messageResponse.case}`);
  return res.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b));
};
const fileNames = (res: ServerReflectionResponse) => descriptors(res).map((f) => f.name);

describe("reflection v1", () => {
  it("lists exactly the indexed services", async () => {
    const [res] = await reflect({ host: "h", messageRequest: { case: "listServices", value: "*" } });
    expect(res.validHost).toBe("h");
    expect(res.originalRequest?.messageRequest).toEqual({ case: "listServices", value: "*" });
    expect(res.messageResponse.case).toBe("listServicesResponse");
    const names = res.messageResponse.case === "listServicesResponse" ? res.messageResponse.value.service.map((s) => s.name) : [];
    expect(names.sort()).toEqual(SERVICES);
  });

  it("returns a symbol's file with dependencies, and does not resend them on the same stream", async () => {
    const [first, second, third] = await reflect(
      { messageRequest: { case: "fileContainingSymbol", value: "stuckai.auth.v1.AuthService" } },
      { messageRequest: { case: "fileContainingSymbol", value: "stuckai.auth.v1.AuthService.Register" } },
      { messageRequest: { case: "fileContainingSymbol", value: "stuckai.user.v1.UserService" } },
    );
    expect(fileNames(first)).toEqual(["stuckai/auth/v1/auth.proto", "google/protobuf/timestamp.proto"]);
    expect(fileNames(second)).toEqual(["stuckai/auth/v1/auth.proto"]);
    const user = fileNames(third);
    expect(user[0]).toBe("stuckai/user/v1/user.proto");
    expect(user).not.toContain("stuckai/auth/v1/auth.proto");
    expect(user).not.toContain("google/protobuf/timestamp.proto");
    expect(user).toContain("google/protobuf/struct.proto"); // via content.proto, transitively
    const [auth] = descriptors(first);
    expect(auth.service.map((s) => s.name)).toEqual(["AuthService"]);
    expect(auth.dependency).toEqual(["google/protobuf/timestamp.proto"]);
  });

  it("answers file_by_filename and extension queries", async () => {
    const [byName, exts, noExt] = await reflect(
      { messageRequest: { case: "fileByFilename", value: "google/protobuf/timestamp.proto" } },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "stuckai.auth.v1.User" } },
      { messageRequest: { case: "fileContainingExtension", value: { containingType: "stuckai.auth.v1.User", extensionNumber: 100 } } },
    );
    expect(fileNames(byName)).toEqual(["google/protobuf/timestamp.proto"]);
    expect(exts.messageResponse).toMatchObject({ case: "allExtensionNumbersResponse", value: { baseTypeName: "stuckai.auth.v1.User", extensionNumber: [] } });
    expect(noExt.messageResponse).toMatchObject({ case: "errorResponse", value: { errorCode: Code.NotFound } });
  });

  it("reports unknown symbols and files in-band with NOT_FOUND", async () => {
    const [sym, file] = await reflect(
      { messageRequest: { case: "fileContainingSymbol", value: "no.such.Symbol" } },
      { messageRequest: { case: "fileByFilename", value: "no/such.proto" } },
    );
    expect(sym.messageResponse).toMatchObject({ case: "errorResponse", value: { errorCode: 5 } });
    expect(sym.messageResponse.value).toHaveProperty("errorMessage", expect.stringContaining("no.such.Symbol"));
    expect(file.messageResponse).toMatchObject({ case: "errorResponse", value: { errorCode: 5 } });
  });
});

describe("reflection v1alpha", () => {
  it("lists the same services", async () => {
    const client = createClient(v1alpha.ServerReflection, transport());
    const req = create(v1alpha.ServerReflectionRequestSchema, { host: "a", messageRequest: { case: "listServices", value: "" } });
    const responses: v1alpha.ServerReflectionResponse[] = [];
    for await (const res of client.serverReflectionInfo(stream([req]))) responses.push(res);
    expect(responses).toHaveLength(1);
    const res = responses[0];
    expect(res.$typeName).toBe("grpc.reflection.v1alpha.ServerReflectionResponse");
    expect(res.validHost).toBe("a");
    expect(res.originalRequest?.$typeName).toBe("grpc.reflection.v1alpha.ServerReflectionRequest");
    const names = res.messageResponse.case === "listServicesResponse" ? res.messageResponse.value.service.map((s) => s.name) : [];
    expect(names.sort()).toEqual(SERVICES);
  });
});

describe("health", () => {
  it("checks known and unknown services", async () => {
    const client = createClient(Health, transport());
    expect((await client.check({ service: "" })).status).toBe(Status.SERVING);
    expect((await client.check({ service: "stuckai.user.v1.UserService" })).status).toBe(Status.NOT_SERVING);
    const err = await client.check({ service: "nope" }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.NotFound);
    expect(Object.keys((await client.list({})).statuses).sort()).toEqual([...health.keys()].sort());
  });

  it("watches: current status at once, then changes", async () => {
    const client = createClient(Health, transport());
    const seen: Status[] = [];
    const abort = new AbortController();
    for await (const res of client.watch({ service: "stuckai.content.v1.ContentService" }, { signal: abort.signal })) {
      seen.push(res.status);
      if (seen.length === 1) health.set("stuckai.content.v1.ContentService", true);
      if (seen.length === 2) break;
    }
    abort.abort();
    expect(seen).toEqual([Status.SERVICE_UNKNOWN, Status.SERVING]);
    // connect-node 2.1 does not cancel the call when the loop breaks; the abort does, and the server loop must stop with it.
    // Wait (bounded) for the cancellation to reach the server; a loop that never stops keeps counting and fails this.
    let calls = -1;
    for (let i = 0; i < 20 && calls !== healthCalls; i++) {
      calls = healthCalls;
      await sleep(150);
    }
    expect(healthCalls).toBe(calls);
  });
});

const buf = new URL("../../../node_modules/.bin/buf", import.meta.url).pathname;

describe.runIf(existsSync(buf))("buf curl", () => {
  const curl = async (flag: string) =>
    (await promisify(execFile)(buf, ["curl", "--http2-prior-knowledge", "--protocol", "grpc", flag, baseUrl], { timeout: 30_000 })).stdout;

  it("lists services and methods through reflection", async () => {
    expect((await curl("--list-services")).split("\n")).toContain("stuckai.auth.v1.AuthService");
    expect((await curl("--list-methods")).split("\n")).toContain("stuckai.auth.v1.AuthService/Register");
  }, 60_000);
});
