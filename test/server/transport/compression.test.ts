import { gunzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
} from "../../../sdk/src/gen/grpc/reflection/v1/reflection_pb.js";
import { ConfigError, loadConfig } from "../../../server/config/config.js";
import { envelope, http1, http2Request, parseEnvelopes, type RawResponse } from "../../helpers/raw-http.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

const REFLECTION = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
const COMPRESSED = 0b1;

// A reflection answer for UserService carries its file and every dependency: several KiB of
// descriptors, the largest response the server gives today without stored data.
const reflectionRequest = envelope(
  toBinary(
    ServerReflectionRequestSchema,
    create(ServerReflectionRequestSchema, { messageRequest: { case: "fileContainingSymbol", value: "stuckai.user.v1.UserService" } }),
  ),
);

const grpcReflection = (server: TestServer, headers: Record<string, string> = {}) =>
  http2Request(
    server.baseUrl,
    { ":path": REFLECTION, "content-type": "application/grpc+proto", te: "trailers", ...headers },
    reflectionRequest,
  );

/** Decodes the one reflection message of a gRPC or Connect-streaming answer, checking how it travelled. */
function reflectionFiles(res: RawResponse, expectCompressed: boolean): { wireBytes: number; files: number } {
  const [message] = parseEnvelopes(res.body);
  expect(message, "a response message").toBeDefined();
  expect((message!.flags & COMPRESSED) === COMPRESSED, "compressed flag").toBe(expectCompressed);
  const data = expectCompressed ? gunzipSync(message!.data) : message!.data;
  const reply = fromBinary(ServerReflectionResponseSchema, data);
  expect(reply.messageResponse.case).toBe("fileDescriptorResponse");
  const files = reply.messageResponse.case === "fileDescriptorResponse" ? reply.messageResponse.value.fileDescriptorProto.length : 0;
  return { wireBytes: message!.data.length, files };
}

/** A Connect unary JSON call over HTTP/1.1 with exactly the given accept-encoding. */
const register = (server: TestServer, email: string, acceptEncoding?: string) =>
  http1(`${server.baseUrl}/stuckai.auth.v1.AuthService/Register`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(acceptEncoding ? { "accept-encoding": acceptEncoding } : {}) },
    body: JSON.stringify({ email, password: "compress-me-42", displayName: "Zip" }),
  });

describe("response compression at the default threshold (1024 bytes)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("gzips a large gRPC response when the client sends grpc-accept-encoding: gzip", async () => {
    const res = await grpcReflection(server, { "grpc-accept-encoding": "gzip" });
    expect(res.headers["grpc-status"]).toBe("0");
    expect(res.headers["grpc-encoding"]).toBe("gzip");
    const { wireBytes, files } = reflectionFiles(res, true);
    expect(files).toBeGreaterThan(1);
    expect(wireBytes).toBeLessThan(gunzipSync(parseEnvelopes(res.body)[0]!.data).length);
  });

  it("sends the same gRPC response plain when the client does not accept gzip", async () => {
    const res = await grpcReflection(server);
    expect(res.headers["grpc-status"]).toBe("0");
    expect(res.headers["grpc-encoding"] ?? "identity").toBe("identity");
    const { wireBytes, files } = reflectionFiles(res, false);
    expect(files).toBeGreaterThan(1);
    expect(wireBytes).toBeGreaterThanOrEqual(1024);
  });

  it("prefers gzip even when a client lists brotli first (brotli is not offered)", async () => {
    const res = await grpcReflection(server, { "grpc-accept-encoding": "br, gzip" });
    expect(res.headers["grpc-encoding"]).toBe("gzip");
    reflectionFiles(res, true);
  });

  it("gzips Connect streaming messages with connect-accept-encoding: gzip, and not without", async () => {
    // Bidi streams need HTTP/2 (connect-node answers 505 over HTTP/1.1).
    const call = (extra: Record<string, string>) =>
      http2Request(
        server.baseUrl,
        { ":path": REFLECTION, "content-type": "application/connect+proto", "connect-protocol-version": "1", ...extra },
        reflectionRequest,
      );
    const zipped = await call({ "connect-accept-encoding": "gzip" });
    expect(zipped.status).toBe(200);
    expect(zipped.headers["connect-content-encoding"]).toBe("gzip");
    reflectionFiles(zipped, true);

    const plain = await call({});
    expect(plain.status).toBe(200);
    expect(plain.headers["connect-content-encoding"]).toBeUndefined();
    reflectionFiles(plain, false);
  });

  it("leaves a small Connect unary response plain even when gzip is accepted", async () => {
    const registered = JSON.parse((await register(server, "small@example.com")).body.toString());
    const res = await http1(`${server.baseUrl}/stuckai.auth.v1.AuthService/GetCurrentUser`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "accept-encoding": "gzip, deflate, br",
        authorization: `Bearer ${registered.tokens.accessToken}`,
      },
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(res.body.length, "the response is below the threshold").toBeLessThan(1024);
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(res.body.toString()).user.email).toBe("small@example.com");
  });
});

describe("COMPRESS_MIN_BYTES", () => {
  it("compresses Connect unary responses above a lower threshold, as browsers' fetch accepts them", async () => {
    const server = await startTestServer("sqlite", { COMPRESS_MIN_BYTES: "200" });
    try {
      const zipped = await register(server, "zipped@example.com", "gzip, deflate, br, zstd");
      expect(zipped.status).toBe(200);
      expect(zipped.headers["content-encoding"]).toBe("gzip");
      expect(JSON.parse(gunzipSync(zipped.body).toString()).user.email).toBe("zipped@example.com");

      const plain = await register(server, "plain@example.com");
      expect(plain.status).toBe(200);
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(JSON.parse(plain.body.toString()).user.email).toBe("plain@example.com");
    } finally {
      await server.stop();
    }
  });

  it("never compresses a response when off", async () => {
    const server = await startTestServer("sqlite", { COMPRESS_MIN_BYTES: "off" });
    try {
      const res = await grpcReflection(server, { "grpc-accept-encoding": "gzip" });
      expect(res.headers["grpc-status"]).toBe("0");
      reflectionFiles(res, false);
    } finally {
      await server.stop();
    }
  });

  it("is validated at start", () => {
    expect(loadConfig({}).compressMinBytes).toBe(1024);
    expect(loadConfig({ COMPRESS_MIN_BYTES: "0" }).compressMinBytes).toBe(0);
    expect(loadConfig({ COMPRESS_MIN_BYTES: "OFF" }).compressMinBytes).toBe(Number.POSITIVE_INFINITY);
    for (const bad of ["-1", "1k", "1.5"]) {
      expect(() => loadConfig({ COMPRESS_MIN_BYTES: bad }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ COMPRESS_MIN_BYTES: bad }), bad).toThrow(/COMPRESS_MIN_BYTES must be an integer/);
    }
  });
});
