/**
 * `@stuckai/sdk/node`: the client for Node.js, over Connect or gRPC on HTTP/2 (one shared,
 * pinged connection per base URL). Re-exports everything of `@stuckai/sdk`.
 *
 * @packageDocumentation
 */
import type * as http2 from "node:http2";
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager, type Http2SessionOptions } from "@connectrpc/connect-node";
import { createStuckClient as createCoreClient, type StuckClient } from "../core/client.js";
import type { StuckClientCommonOptions } from "../core/options.js";
import { DEFAULT_HTTP2_OPTIONS, sharedHttp2Session } from "./http2-sessions.js";

export * from "../index.js";
export { DEFAULT_HTTP2_OPTIONS } from "./http2-sessions.js";

export interface StuckNodeClientOptions extends StuckClientCommonOptions {
  /** Where the API is, e.g. `https://api.stuckai.travel` or `http://localhost:8080`. */
  readonly baseUrl: string;
  /** `connect` (default) or `grpc`. */
  readonly protocol?: "connect" | "grpc";
  /** `2` (default; gRPC needs it) or `1.1` (Connect only, e.g. through a proxy without HTTP/2). */
  readonly httpVersion?: "2" | "1.1";
  /** Connect only: protobuf binary (default) rather than JSON on the wire. */
  readonly useBinaryFormat?: boolean;
  /** Run on every attempt of every call, after the SDK has set the access token. */
  readonly interceptors?: Interceptor[];
  /** HTTP/2 keep-alive and idle settings over {@link DEFAULT_HTTP2_OPTIONS}. */
  readonly http2?: Http2SessionOptions;
  /** Options of Node's `http2.connect` (TLS: `ca`, `cert`, ...). Given, the connection is the client's own rather than shared. */
  readonly nodeOptions?: http2.ClientSessionOptions | http2.SecureClientSessionOptions;
}

/** A StuckAI client for Node.js. */
export function createStuckClient(options: StuckNodeClientOptions): StuckClient {
  return createCoreClient({ ...options, transport: nodeTransport(options) });
}

/** The Connect or gRPC transport `createStuckClient` uses, without the SDK's behaviour. */
export function nodeTransport(options: StuckNodeClientOptions): Transport {
  const { baseUrl, protocol = "connect", httpVersion = "2", interceptors = [] } = options;
  if (protocol === "grpc" && httpVersion !== "2") throw new Error("gRPC needs HTTP/2: drop httpVersion or use protocol \"connect\"");
  if (httpVersion === "1.1") {
    return createConnectTransport({ baseUrl, httpVersion, useBinaryFormat: options.useBinaryFormat ?? true, interceptors });
  }
  const sessionManager = options.nodeOptions
    ? new Http2SessionManager(baseUrl, { ...DEFAULT_HTTP2_OPTIONS, ...options.http2 }, options.nodeOptions)
    : sharedHttp2Session(baseUrl, options.http2);
  return protocol === "grpc"
    ? createGrpcTransport({ baseUrl, interceptors, sessionManager })
    : createConnectTransport({ baseUrl, httpVersion, useBinaryFormat: options.useBinaryFormat ?? true, interceptors, sessionManager });
}
