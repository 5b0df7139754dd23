import { readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface ListenerOptions {
  readonly tls?: { certFile: string; keyFile: string };
}

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
// Node's default (10 MB) trips NGHTTP2_ENHANCE_YOUR_CALM under many concurrent streams.
const HTTP2_SETTINGS: http2.ServerOptions = { maxSessionMemory: 64 };

/**
 * One port for every client. Cleartext: a `net.Server` peeks at the first bytes of each connection
 * and hands it to the HTTP/2 server on the h2c preface (gRPC, `buf curl --http2-prior-knowledge`),
 * else to the HTTP/1.1 server (curl, browsers). TLS: ALPN picks h2 or http/1.1.
 */
export class Listener {
  readonly server: net.Server;
  private readonly h1: http.Server | undefined;
  private readonly h2: http2.Http2Server | http2.Http2SecureServer;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly sockets = new Set<net.Socket>();
  /** In-flight HTTP/1 requests per socket: Node only tracks idle connections for servers that listen themselves. */
  private readonly h1Busy = new Map<net.Socket, number>();
  private closing = false;

  constructor(handler: RequestHandler, opts: ListenerOptions = {}) {
    if (opts.tls) {
      this.h2 = http2.createSecureServer(
        { ...HTTP2_SETTINGS, allowHTTP1: true, cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) },
        handler,
      );
      this.server = this.h2;
    } else {
      this.h2 = http2.createServer(HTTP2_SETTINGS, handler);
      this.h1 = http.createServer(handler);
      this.h1.keepAliveTimeout = 65_000;
      this.h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => this.trackH1(req.socket, res));
      this.server = net.createServer((socket) => this.route(socket));
    }
    this.h2.on("session", (s) => {
      this.sessions.add(s);
      s.once("close", () => this.sessions.delete(s));
    });
    this.server.on("connection", (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  listen(port: number, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops accepting, asks HTTP/2 sessions to finish (GOAWAY) and idle HTTP/1 sockets to close, then waits up to `graceMs`. */
  async close(graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.closing = true;
    for (const s of this.sessions) s.close();
    for (const socket of this.sockets) if (!this.h1Busy.has(socket) && !this.isH2(socket)) socket.end();
    const timer = setTimeout(() => {
      for (const s of this.sessions) s.destroy();
      for (const socket of this.sockets) socket.destroy();
    }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  private isH2(socket: net.Socket): boolean {
    for (const s of this.sessions) if (s.socket === socket) return true;
    return false;
  }

  private trackH1(socket: net.Socket, res: http.ServerResponse): void {
    this.h1Busy.set(socket, (this.h1Busy.get(socket) ?? 0) + 1);
    if (this.closing) res.shouldKeepAlive = false;
    res.once("close", () => {
      const left = (this.h1Busy.get(socket) ?? 1) - 1;
      if (left > 0) return void this.h1Busy.set(socket, left);
      this.h1Busy.delete(socket);
      if (this.closing) socket.end();
    });
  }

  private route(socket: net.Socket): void {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      const isH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2 && n < PREFACE.length) return; // too few bytes to decide yet
      socket.off("data", onData);
      socket.pause();
      socket.unshift(head);
      // HTTP/2 drains the unshifted bytes into nghttp2 itself (a resume() would hand them to no
      // listener and lose the preface); the HTTP/1 parser reads 'data' events, so it needs the resume.
      if (isH2) {
        this.h2.emit("connection", socket);
      } else {
        this.h1!.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
    socket.on("error", () => socket.destroy());
  }
}
