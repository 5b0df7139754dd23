import { readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type tls from "node:tls";
import { keepSessionAlive } from "./session-keepalive.js";

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface ListenerOptions {
  readonly tls?: { certFile: string; keyFile: string };
  /** Ping every HTTP/2 session this often and drop it when a ping goes unanswered; 0 or unset: no pings. */
  readonly pingIntervalMs?: number;
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
  /** Client connections: raw sockets in cleartext, TLS sockets with TLS (what HTTP/1 requests report as `req.socket`). */
  private readonly sockets = new Set<net.Socket>();
  /** Every TCP connection, TLS handshake done or not: what is destroyed when the grace period is over. */
  private readonly connections = new Set<net.Socket>();
  /** Connections carrying HTTP/2; they are drained with GOAWAY rather than ended. */
  private readonly h2Sockets = new WeakSet<net.Socket>();
  /** In-flight HTTP/1 requests per socket: Node only tracks idle connections for servers that listen themselves. */
  private readonly h1Busy = new Map<net.Socket, number>();
  private closing: Promise<void> | undefined;

  constructor(handler: RequestHandler, opts: ListenerOptions = {}) {
    const tracked: RequestHandler = (req, res) => {
      if (req.httpVersionMajor === 1) {
        const socket = req.socket as net.Socket;
        // A request that reached a connection already closed as idle cannot be answered: leave it
        // unprocessed (the client sees the connection drop and may retry), never run it unanswered.
        if (this.closing && !this.h1Busy.has(socket) && socket.writableEnded) return void socket.destroy();
        this.trackH1(socket, res as http.ServerResponse);
      }
      handler(req, res);
    };
    if (opts.tls) {
      this.h2 = http2.createSecureServer(
        { ...HTTP2_SETTINGS, allowHTTP1: true, cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) },
        tracked,
      );
      this.server = this.h2;
      this.h2.on("secureConnection", (socket: tls.TLSSocket) => {
        if (socket.alpnProtocol === "h2") this.h2Sockets.add(socket);
        this.track(socket);
      });
    } else {
      this.h2 = http2.createServer(HTTP2_SETTINGS, tracked);
      this.h1 = http.createServer(tracked);
      this.h1.keepAliveTimeout = 65_000;
      this.server = net.createServer((socket) => this.route(socket));
      this.server.on("connection", (socket: net.Socket) => this.track(socket));
    }
    this.server.on("connection", (socket: net.Socket) => {
      this.connections.add(socket);
      socket.once("close", () => this.connections.delete(socket));
    });
    this.h2.on("session", (s: http2.ServerHttp2Session) => {
      this.sessions.add(s);
      const stopPings = opts.pingIntervalMs ? keepSessionAlive(s, opts.pingIntervalMs) : () => {};
      s.once("close", () => {
        stopPings();
        this.sessions.delete(s);
      });
      // A session that arrives while closing (its preface was in flight) is told to go away at once.
      if (this.closing) s.close();
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

  /**
   * Stops accepting connections, sends GOAWAY to HTTP/2 sessions (their open streams may finish),
   * closes idle HTTP/1 connections and each busy one after its response, and resolves when every
   * connection is gone. Whatever is still open after `graceMs` is destroyed.
   */
  close(graceMs = 10_000): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sessions) s.close();
      for (const socket of this.sockets) if (!this.h2Sockets.has(socket) && !this.h1Busy.has(socket)) socket.end();
      const timer = setTimeout(() => {
        for (const s of this.sessions) s.destroy();
        for (const socket of this.connections) socket.destroy();
      }, graceMs);
      timer.unref();
      this.server.once("close", () => clearTimeout(timer));
    });
    return this.closing;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => {
      this.sockets.delete(socket);
      this.h1Busy.delete(socket);
    });
    // A connection that opens while closing (accepted just before the server stopped listening) is not served.
    if (this.closing) setImmediate(() => !this.h2Sockets.has(socket) && !this.h1Busy.has(socket) && socket.end());
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
        this.h2Sockets.add(socket);
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
