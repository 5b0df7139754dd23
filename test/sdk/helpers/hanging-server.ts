import http2 from "node:http2";
import type { AddressInfo } from "node:net";

export interface HangingServer {
  readonly baseUrl: string;
  /** Request headers of every stream received. */
  readonly requests: http2.IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** An HTTP/2 server that accepts every call and never answers: what a stuck backend looks like. */
export async function startHangingServer(): Promise<HangingServer> {
  const requests: http2.IncomingHttpHeaders[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  server.on("stream", (stream, headers) => {
    requests.push(headers);
    stream.on("error", () => {}); // the client resets the stream when its deadline passes
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
