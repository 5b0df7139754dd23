import net from "node:net";
import type http from "node:http";
import type http2 from "node:http2";

/**
 * Request header carrying the caller's IP from the transport to the interceptors. http-routes.ts
 * always overwrites it, so whatever a client sends under this name is never believed.
 */
export const CLIENT_IP_HEADER = "x-stuckai-client-ip";

/**
 * The socket's peer, or with `trustProxy` the first X-Forwarded-For entry (the client as the proxy
 * saw it). Without `trustProxy` the header is ignored: any client can send one.
 */
export function clientIp(req: http.IncomingMessage | http2.Http2ServerRequest, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers["x-forwarded-for"];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
    if (first && net.isIP(first)) return normalize(first);
  }
  return normalize(req.socket?.remoteAddress ?? "unknown");
}

/** `::ffff:1.2.3.4` and `1.2.3.4` are the same client on a dual-stack socket. */
function normalize(ip: string): string {
  return ip.startsWith("::ffff:") && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}
