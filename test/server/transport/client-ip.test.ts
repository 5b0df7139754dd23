import type http from "node:http";
import { describe, expect, it } from "vitest";
import { clientIp } from "../../../server/transport/client-ip.js";

const req = (remoteAddress: string | undefined, headers: http.IncomingHttpHeaders = {}) =>
  ({ socket: { remoteAddress }, headers }) as unknown as http.IncomingMessage;

describe("clientIp", () => {
  it("is the socket's peer unless a proxy is trusted, whatever the client claims", () => {
    expect(clientIp(req("10.1.2.3", { "x-forwarded-for": "198.51.100.7" }), false)).toBe("10.1.2.3");
  });

  it("is the first X-Forwarded-For entry behind a trusted proxy", () => {
    expect(clientIp(req("10.1.2.3", { "x-forwarded-for": " 198.51.100.7 , 10.0.0.1" }), true)).toBe("198.51.100.7");
    expect(clientIp(req("10.1.2.3", { "x-forwarded-for": "2001:db8::1" }), true)).toBe("2001:db8::1");
  });

  it("falls back to the peer when the forwarded entry is missing or not an address", () => {
    expect(clientIp(req("10.1.2.3"), true)).toBe("10.1.2.3");
    expect(clientIp(req("10.1.2.3", { "x-forwarded-for": "unknown, 198.51.100.7" }), true)).toBe("10.1.2.3");
  });

  it("treats IPv4-mapped IPv6 as the IPv4 address", () => {
    expect(clientIp(req("::ffff:192.0.2.4"), false)).toBe("192.0.2.4");
    expect(clientIp(req(undefined), false)).toBe("unknown");
  });
});
