import { Http2SessionManager, type Http2SessionOptions } from "@connectrpc/connect-node";

/**
 * Keep-alive and idle settings of the HTTP/2 connection: a ping every 30 s while streams are open
 * (and before reusing a connection idle for as long) finds dead peers, which a silent watch stream
 * would otherwise never notice; an idle connection closes after 5 minutes.
 */
export const DEFAULT_HTTP2_OPTIONS: Required<Pick<Http2SessionOptions, "pingIntervalMs" | "pingTimeoutMs" | "idleConnectionTimeoutMs">> = {
  pingIntervalMs: 30_000,
  pingTimeoutMs: 10_000,
  idleConnectionTimeoutMs: 5 * 60_000,
};

// One connection per base URL and settings, shared by every client of the process (HTTP/2
// multiplexes their calls). Connect unrefs idle connections, so they never keep Node running.
const managers = new Map<string, Http2SessionManager>();

export function sharedHttp2Session(baseUrl: string, options: Http2SessionOptions = {}): Http2SessionManager {
  const settings = { ...DEFAULT_HTTP2_OPTIONS, ...options };
  const key = JSON.stringify([new URL(baseUrl).origin, settings]);
  let manager = managers.get(key);
  if (!manager) {
    manager = new Http2SessionManager(baseUrl, settings);
    managers.set(key, manager);
  }
  return manager;
}
