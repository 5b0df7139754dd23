import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../server/config/config.js";
import { configProblems } from "../../helpers/config.js";

const problems = configProblems;

describe("loadConfig", () => {
  it("defaults to the embedded mode on port 8080 with a generated development secret", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, databaseUrl: undefined, redisUrl: undefined, env: "development" });
    expect(c.jwt).toMatchObject({ alg: "HS256", secretSource: "generated", issuer: "stuckai", audience: "stuckai-api" });
    expect(c.accessTokenTtlSec).toBe(900);
  });

  it("refuses to start in production without a JWT secret", () => {
    expect(problems({ NODE_ENV: "production" })).toEqual([expect.stringContaining("JWT_SECRET is required")]);
    expect(problems({ NODE_ENV: "production", JWT_SECRET: "x".repeat(32) })).toEqual([]);
  });

  it("reports every bad value at once, naming the variable", () => {
    const list = problems({
      PORT: "eighty",
      DATABASE_URL: "mysql://x",
      REDIS_URL: "http://x",
      JWT_SECRET: "short",
      LOG_LEVEL: "loud",
      NODE_ENV: "staging",
      TLS_CERT_FILE: "/nope.crt",
      SCRYPT_LOG_N: "40",
    });
    for (const name of ["PORT", "DATABASE_URL", "REDIS_URL", "JWT_SECRET", "LOG_LEVEL", "NODE_ENV", "TLS_CERT_FILE", "SCRYPT_LOG_N"]) {
      expect(list.some((p) => p.startsWith(name) || p.includes(`${name} `)), name).toBe(true);
    }
  });

  it("reads RECOMMENDATION_MEMO_LISTS: 1024 by default, 0 turns the memo off, a negative or fractional count is refused", () => {
    expect(loadConfig({}).recommendations.memoLists).toBe(1024);
    expect(loadConfig({ RECOMMENDATION_MEMO_LISTS: "0" }).recommendations.memoLists).toBe(0);
    for (const bad of ["-1", "1.5", "lots"]) expect(problems({ RECOMMENDATION_MEMO_LISTS: bad })).toEqual([expect.stringContaining("RECOMMENDATION_MEMO_LISTS")]);
  });

  it("normalises ADMIN_EMAILS", () => {
    expect([...loadConfig({ ADMIN_EMAILS: " A@B.co , ,c@d.io" }).adminEmails]).toEqual(["a@b.co", "c@d.io"]);
  });
});
