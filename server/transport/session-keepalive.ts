import type http2 from "node:http2";

/**
 * Server-side HTTP/2 keep-alive, which Node does not do by itself: pings the session every
 * `intervalMs` and destroys it when the previous ping is still unanswered, so a peer that vanished
 * without closing (NAT timeout, pulled cable, suspended laptop) stops holding a stream and its
 * resources, and idle connections through proxies that drop silent TCP flows stay open. Returns the
 * function that stops it; the timer never keeps the process alive.
 */
export function keepSessionAlive(session: http2.ServerHttp2Session, intervalMs: number): () => void {
  let unanswered = false;
  const timer = setInterval(() => {
    if (session.closed || session.destroyed) return clearInterval(timer);
    if (unanswered) {
      clearInterval(timer);
      session.destroy();
      return;
    }
    unanswered = true;
    try {
      session.ping((err) => {
        if (!err) unanswered = false;
      });
    } catch {
      // Only while the session is being torn down; the next tick notices.
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
