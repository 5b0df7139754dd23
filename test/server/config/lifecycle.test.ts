import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../server/config/config.js";
import { configProblems } from "../../helpers/config.js";

const problems = configProblems;

describe("lifecycle configuration", () => {
  it("defaults to a 10 s shutdown grace, 30 s HTTP/2 pings and 2 s health checks", () => {
    expect(loadConfig({}).lifecycle).toEqual({ shutdownGraceMs: 10_000, http2PingIntervalMs: 30_000, healthCheckTimeoutMs: 2_000 });
  });

  it("takes valid values, 0 turning pings off", () => {
    const c = loadConfig({ SHUTDOWN_GRACE_MS: "25000", HTTP2_PING_INTERVAL_MS: "0", HEALTH_CHECK_TIMEOUT_MS: "500" });
    expect(c.lifecycle).toEqual({ shutdownGraceMs: 25_000, http2PingIntervalMs: 0, healthCheckTimeoutMs: 500 });
  });

  it("names each bad variable with its allowed range", () => {
    expect(problems({ SHUTDOWN_GRACE_MS: "10s", HTTP2_PING_INTERVAL_MS: "-1", HEALTH_CHECK_TIMEOUT_MS: "0" })).toEqual([
      'SHUTDOWN_GRACE_MS must be an integer in [0, 600000] (milliseconds), got "10s"',
      'HTTP2_PING_INTERVAL_MS must be an integer in [0, 3600000] (milliseconds, 0 turns pings off), got "-1"',
      'HEALTH_CHECK_TIMEOUT_MS must be an integer in [50, 60000] (milliseconds), got "0"',
    ]);
  });
});
