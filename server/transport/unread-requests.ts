import type http from "node:http";
import http2 from "node:http2";
import type { RequestHandler } from "./listener.js";

/**
 * A response can go out before its request was read to the end: connect-es refuses a message larger
 * than MAX_MESSAGE_BYTES on its first bytes and stops reading. Nothing reads the rest then, so this
 * stops the client from sending it. HTTP/1.1: the response says `Connection: close` and the
 * connection ends with it (kept alive, it would wait for the unread body before reading the next
 * request, and that request would hang). HTTP/2: RST_STREAM(NO_ERROR) after the response, as RFC
 * 9113 §8.1 provides (left open, the stream keeps its unread window in the session's memory).
 */
export function stopUnreadRequest(req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]): void {
  if (req.httpVersionMajor === 1) {
    const h1 = res as http.ServerResponse;
    const writeHead = h1.writeHead;
    // Every way of sending the head (writeHead, or the first write) goes through writeHead.
    h1.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
      if (!req.complete) this.shouldKeepAlive = false;
      return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, args);
    } as typeof h1.writeHead;
    return;
  }
  const stream = (req as http2.Http2ServerRequest).stream;
  res.once("finish", () => {
    if (!req.complete && !stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
  });
}
