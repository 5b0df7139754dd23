import http from "node:http";
import http2 from "node:http2";

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The bytes as they crossed the wire: nothing decompressed. */
  readonly body: Buffer;
}

/** An HTTP/1.1 request with exactly the given headers (unlike fetch, which adds accept-encoding and decodes). */
export function http1(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** One HTTP/2 cleartext (prior knowledge) request, as gRPC clients send it; trailers merged into headers. */
export function http2Request(
  baseUrl: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(baseUrl);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ...headers });
    const chunks: Buffer[] = [];
    let status = 0;
    let got: http.IncomingHttpHeaders = {};
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      got = { ...got, ...(h as http.IncomingHttpHeaders) };
    });
    stream.on("trailers", (t) => (got = { ...got, ...(t as http.IncomingHttpHeaders) }));
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      session.close();
      resolve({ status, headers: got, body: Buffer.concat(chunks) });
    });
    stream.on("error", (err) => {
      session.destroy();
      reject(err);
    });
    stream.end(body);
  });
}

/** Length-prefixed messages (gRPC, gRPC-Web and Connect streaming): flags byte, 4-byte length, data. */
export function envelope(data: Uint8Array, flags = 0): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
}

export function parseEnvelopes(bytes: Buffer): { flags: number; data: Buffer }[] {
  const out: { flags: number; data: Buffer }[] = [];
  for (let at = 0; at + 5 <= bytes.length; ) {
    const len = bytes.readUInt32BE(at + 1);
    out.push({ flags: bytes.readUInt8(at), data: bytes.subarray(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  return out;
}
