import http from "node:http";
import http2 from "node:http2";
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToString, endStreamFromJson, errorFromJsonBytes } from "@connectrpc/connect/protocol-connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { trailerParse } from "@connectrpc/connect/protocol-grpc-web";
import { ErrorInfoSchema } from "../../../sdk/src/gen/google/rpc/error_details_pb.js";
import { envelope } from "../../helpers/raw-http.js";

/**
 * A raw client for hostile input: it sends exactly the bytes it is given (garbage, truncated frames,
 * invalid UTF-8, oversized bodies), which no generated client would, and reads the answer with
 * connect-es's own decoders, so every code it reports came from the server, never from a client
 * that refused to encode.
 */
export type WireProtocol = "connect-proto-h1" | "connect-json-h1" | "connect-proto-h2" | "grpc" | "grpc-web";
export const WIRE_PROTOCOLS: readonly WireProtocol[] = ["connect-proto-h1", "connect-json-h1", "connect-proto-h2", "grpc", "grpc-web"];

export interface WireAnswer {
  /** Connect code name: `ok`, `invalid_argument`, ...; `transport_error` when no RPC answer came back. */
  readonly code: string;
  readonly message: string;
  /** ErrorInfo.reason, when the error had one. */
  readonly reason?: string;
  readonly requestId?: string;
  readonly httpStatus: number;
}

export interface WireCall {
  readonly method: DescMethod;
  readonly protocol: WireProtocol;
  /** The request message: protobuf bytes, or JSON text for connect-json-h1. */
  readonly payload: Uint8Array | string;
  /** The whole body as sent, for frame-level attacks (replaces the envelope built from `payload`). */
  readonly rawBody?: Uint8Array;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** One connection pool per server: keep-alive HTTP/1.1 sockets and one HTTP/2 session, reopened if it dies. */
export class WireClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private session: http2.ClientHttp2Session | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 20_000,
  ) {}

  close(): void {
    this.agent.destroy();
    this.session?.close();
  }

  async call(c: WireCall): Promise<WireAnswer> {
    const path = `/${c.method.parent.typeName}/${c.method.name}`;
    const streaming = c.method.methodKind === "server_streaming";
    const bytes = typeof c.payload === "string" ? Buffer.from(c.payload) : c.payload;
    const auth: Record<string, string> = c.token === undefined ? {} : { authorization: `Bearer ${c.token}` };
    const extra = { ...auth, ...c.headers };
    switch (c.protocol) {
      case "connect-proto-h1":
      case "connect-json-h1": {
        const json = c.protocol === "connect-json-h1";
        const type = streaming ? (json ? "application/connect+json" : "application/connect+proto") : json ? "application/json" : "application/proto";
        const body = c.rawBody ?? (streaming ? envelope(bytes) : bytes);
        const res = await this.h1(path, { "content-type": type, "connect-protocol-version": "1", ...extra }, body, streaming);
        return streaming ? connectStreamAnswer(res) : connectUnaryAnswer(res);
      }
      case "connect-proto-h2": {
        const type = streaming ? "application/connect+proto" : "application/proto";
        const body = c.rawBody ?? (streaming ? envelope(bytes) : bytes);
        const res = await this.h2(path, { "content-type": type, "connect-protocol-version": "1", ...extra }, body, streaming);
        return streaming ? connectStreamAnswer(res) : connectUnaryAnswer(res);
      }
      case "grpc": {
        const res = await this.h2(path, { "content-type": "application/grpc", te: "trailers", ...extra }, c.rawBody ?? envelope(bytes), streaming);
        return grpcAnswer(res);
      }
      case "grpc-web": {
        const res = await this.h1(path, { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", ...extra }, c.rawBody ?? envelope(bytes), streaming);
        return grpcWebAnswer(res);
      }
    }
  }

  /** Server streams are read up to their first message, then cancelled: a watch never ends by itself. */
  private h1(path: string, headers: Record<string, string>, body: Uint8Array, streaming: boolean): Promise<Raw> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: Raw) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      // A body the server refuses early can break a kept-alive socket; send those on their own.
      const agent = body.byteLength > 1024 * 1024 ? false : this.agent;
      const req = http.request(`${this.baseUrl}${path}`, { method: "POST", headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          if (streaming && firstDataFrame(Buffer.concat(chunks))) {
            done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), cut: true });
            req.destroy();
          }
        });
        res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", (err) => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), error: err }));
      });
      const timer = setTimeout(() => {
        done({ status: 0, headers: {}, body: Buffer.alloc(0), error: new Error(`no answer in ${this.timeoutMs} ms`) });
        req.destroy();
      }, this.timeoutMs);
      req.on("error", (err) => done({ status: 0, headers: {}, body: Buffer.alloc(0), error: err }));
      req.end(body);
    });
  }

  private h2(path: string, headers: Record<string, string>, body: Uint8Array, streaming: boolean): Promise<Raw> {
    // A body the server refuses early stays queued in the client's session (Node caps its memory):
    // big ones get a session of their own, so they cannot starve the calls that follow.
    if (body.byteLength > 1024 * 1024) {
      const own = http2.connect(this.baseUrl, CLIENT_SESSION);
      own.on("error", () => {});
      return this.h2On(own, path, headers, body, streaming).finally(() => own.destroy());
    }
    if (!this.session) {
      const session = http2.connect(this.baseUrl, CLIENT_SESSION);
      const forget = () => {
        if (this.session === session) this.session = undefined;
      };
      session.on("error", forget).on("goaway", forget).on("close", forget);
      this.session = session;
    }
    return this.h2On(this.session, path, headers, body, streaming);
  }

  private h2On(session: http2.ClientHttp2Session, path: string, headers: Record<string, string>, body: Uint8Array, streaming: boolean): Promise<Raw> {
    return new Promise((resolve) => {
      let settled = false;
      let status = 0;
      let got: http.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      const done = (r: Omit<Raw, "status" | "headers" | "body">) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // No RST_STREAM of ours when the server answered before reading all we sent: the server ends
        // such a stream itself (transport/unread-requests.ts), and a client resetting many streams
        // looks like a rapid-reset attack (CVE-2023-44487) and gets the session closed.
        resolve({ status, headers: got, body: Buffer.concat(chunks), ...r });
      };
      const stream = session.request({ ":method": "POST", ":path": path, ...headers });
      const timer = setTimeout(() => {
        done({ error: new Error(`no answer in ${this.timeoutMs} ms`) });
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }, this.timeoutMs);
      stream.on("response", (h) => {
        status = Number(h[":status"]);
        got = { ...got, ...(h as http.IncomingHttpHeaders) };
      });
      stream.on("trailers", (t) => (got = { ...got, ...(t as http.IncomingHttpHeaders) }));
      stream.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        if (streaming && firstDataFrame(Buffer.concat(chunks))) {
          done({ cut: true });
          stream.close(http2.constants.NGHTTP2_CANCEL);
        }
      });
      stream.on("end", () => done({}));
      stream.on("close", () => done({}));
      stream.on("error", (err) => done({ error: err }));
      stream.end(body);
    });
  }
}

/**
 * The bodies of streams the server refused early stay counted in the client's session memory for a
 * while; under Node's default cap (10 MB) a client that sends many oversized messages has its own
 * nghttp2 refuse new streams (ENHANCE_YOUR_CALM). That is the client's limit, not the server's answer.
 */
const CLIENT_SESSION: http2.SecureClientSessionOptions = { maxSessionMemory: 256 };

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** True when we cancelled a stream after its first message. */
  cut?: boolean;
  error?: Error;
}

/** True once `bytes` hold a complete data frame (flags without the end-of-stream/trailer bits). */
function firstDataFrame(bytes: Buffer): boolean {
  for (let at = 0; at + 5 <= bytes.length; ) {
    const flags = bytes[at]!;
    const len = bytes.readUInt32BE(at + 1);
    if (at + 5 + len > bytes.length) return false;
    if ((flags & 0x82) === 0) return true;
    at += 5 + len;
  }
  return false;
}

function frames(bytes: Buffer): { flags: number; data: Buffer }[] {
  const out: { flags: number; data: Buffer }[] = [];
  for (let at = 0; at + 5 <= bytes.length; ) {
    const len = bytes.readUInt32BE(at + 1);
    out.push({ flags: bytes[at]!, data: bytes.subarray(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  return out;
}

function toHeaders(h: http.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith(":") || v === undefined) continue;
    out.set(k, Array.isArray(v) ? v.join(", ") : String(v));
  }
  return out;
}

function answer(raw: Raw, err: ConnectError | undefined): WireAnswer {
  if (!err) return { code: "ok", message: "", httpStatus: raw.status };
  const info = err.findDetails(ErrorInfoSchema)[0];
  return {
    code: codeToString(err.code),
    message: err.rawMessage,
    reason: info?.reason,
    requestId: info?.metadata.request_id,
    httpStatus: raw.status,
  };
}

function transportError(raw: Raw, what: string): WireAnswer {
  return { code: "transport_error", message: `${what}: ${raw.error?.message ?? `HTTP ${raw.status}`}`, httpStatus: raw.status };
}

function connectUnaryAnswer(raw: Raw): WireAnswer {
  if (raw.error && raw.status === 0) return transportError(raw, "connect unary");
  if (raw.status === 200) return answer(raw, undefined);
  if (!String(raw.headers["content-type"] ?? "").startsWith("application/json")) return transportError(raw, "connect unary, non-JSON error");
  return answer(raw, errorFromJsonBytes(raw.body, toHeaders(raw.headers), new ConnectError("unparsable error body", Code.Unknown)));
}

function connectStreamAnswer(raw: Raw): WireAnswer {
  if (raw.cut) return answer(raw, undefined);
  if (raw.error && raw.status === 0) return transportError(raw, "connect stream");
  if (raw.status !== 200) return connectUnaryAnswer(raw);
  const end = frames(raw.body).find((f) => (f.flags & 0x02) === 0x02);
  if (!end) return transportError(raw, "connect stream without end frame");
  return answer(raw, endStreamFromJson(end.data).error);
}

function grpcAnswer(raw: Raw): WireAnswer {
  if (raw.cut) return answer(raw, undefined);
  const headers = toHeaders(raw.headers);
  if (!headers.has("grpc-status")) return transportError(raw, "grpc without grpc-status");
  return answer(raw, findTrailerError(headers));
}

function grpcWebAnswer(raw: Raw): WireAnswer {
  if (raw.cut) return answer(raw, undefined);
  if (raw.error && raw.status === 0) return transportError(raw, "grpc-web");
  const headers = toHeaders(raw.headers);
  if (headers.has("grpc-status")) return answer(raw, findTrailerError(headers));
  const trailer = frames(raw.body).find((f) => (f.flags & 0x80) === 0x80);
  if (!trailer) return transportError(raw, "grpc-web without trailer");
  return answer(raw, findTrailerError(trailerParse(trailer.data)));
}
