import { gunzipSync } from "node:zlib";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorFromJsonBytes, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { withFrameworkDetails } from "../interceptors/errors.js";

/**
 * connect-es decodes a unary call's request before the interceptors run, and answers a request it
 * cannot decode (garbage or truncated protobuf, a compressed flag without an encoding, a broken gzip
 * stream, no message at all) itself: with `internal`, or `unimplemented`, and without our ErrorInfo.
 * This wraps every unary handler of the router and rewrites exactly those answers, in each protocol's
 * own encoding, into what the error interceptor makes of the same errors on streaming calls:
 * `invalid_argument` (reason VALIDATION_ERROR) for a malformed request, and ErrorInfo with the request
 * id on any framework error. Answers our interceptors produced already carry ErrorInfo and pass as
 * they are. Call it last in the `routes` callback, after every service is registered.
 */
export function answerFrameworkErrorsAsOurs(router: ConnectRouter): void {
  router.handlers.forEach((handler, i) => {
    // Streaming calls decode inside the interceptor chain, where interceptors/errors.ts maps them.
    if (handler.method.methodKind === "unary") router.handlers[i] = wrap(handler);
  });
}

function wrap(handler: UniversalHandler): UniversalHandler {
  const wrapped = async (req: UniversalServerRequest): Promise<UniversalServerResponse> => {
    const res = await handler(req);
    const requestId = req.header.get("x-request-id") ?? "";
    const type = req.header.get("content-type") ?? "";
    if (type.startsWith("application/grpc-web")) return grpcWeb(res, requestId);
    if (type.startsWith("application/grpc")) return grpc(res, requestId);
    return connectUnary(res, requestId);
  };
  // The handler's own properties (method, requestPath, protocolNames, ...) describe the wrapper too.
  return Object.assign(wrapped, handler);
}

/** Connect unary: an error is a JSON body with an HTTP status; successes and streams pass untouched. */
async function connectUnary(res: UniversalServerResponse, requestId: string): Promise<UniversalServerResponse> {
  if (res.status === 200 || !res.body || !res.header?.get("content-type")?.startsWith("application/json")) return res;
  const raw = await collect(res.body);
  const json = res.header.get("content-encoding") === "gzip" ? gunzipSync(raw) : raw;
  const original = errorFromJsonBytes(json, res.header, new ConnectError("unknown error", Code.Unknown));
  if (original.details.length > 0) return { ...res, body: once(raw) };
  const fixed = withFrameworkDetails(original, requestId);
  const bytes = errorToJsonBytes(fixed, {});
  const header = new Headers(res.header);
  header.delete("content-encoding");
  header.set("content-length", String(bytes.byteLength));
  return { ...res, status: codeToHttpStatus(fixed.code), header, body: once(bytes) };
}

/** gRPC: the status is in the trailers, filled in by the time the body has been read. */
function grpc(res: UniversalServerResponse, requestId: string): UniversalServerResponse {
  const { body, trailer } = res;
  if (!body || !trailer) return res;
  return {
    ...res,
    body: (async function* () {
      yield* body;
      const err = findTrailerError(trailer);
      if (!err || err.details.length > 0) return;
      for (const key of ["grpc-status", "grpc-message", "grpc-status-details-bin"]) trailer.delete(key);
      setTrailerStatus(trailer, withFrameworkDetails(err, requestId));
    })(),
  };
}

/** gRPC-Web: the status is in a trailer frame at the end of the body; a unary body is small, so buffer it. */
async function grpcWeb(res: UniversalServerResponse, requestId: string): Promise<UniversalServerResponse> {
  if (!res.body) return res;
  const body = await collect(res.body);
  const frames: { flags: number; data: Uint8Array }[] = [];
  for (let at = 0; at + 5 <= body.byteLength; ) {
    const len = new DataView(body.buffer, body.byteOffset + at + 1, 4).getUint32(0);
    frames.push({ flags: body[at]!, data: body.subarray(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  const last = frames[frames.length - 1];
  if (!last || (last.flags & trailerFlag) !== trailerFlag) return { ...res, body: once(body) };
  const trailer = trailerParse(last.data);
  const err = findTrailerError(trailer);
  if (!err || err.details.length > 0) return { ...res, body: once(body) };
  for (const key of ["grpc-status", "grpc-message", "grpc-status-details-bin"]) trailer.delete(key);
  setTrailerStatus(trailer, withFrameworkDetails(err, requestId));
  last.data = trailerSerialize(trailer);
  const out = Buffer.concat(frames.flatMap((f) => [envelopeHead(f.flags, f.data.byteLength), f.data]));
  const header = new Headers(res.header);
  header.delete("content-length");
  return { ...res, header, body: once(out) };
}

function envelopeHead(flags: number, length: number): Uint8Array {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(length, 1);
  return head;
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
