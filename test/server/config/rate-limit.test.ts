import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../server/config/config.js";
import { configProblems } from "../../helpers/config.js";

const LOGIN = "stuckai.auth.v1.AuthService/Login";
const REGISTER = "stuckai.auth.v1.AuthService/Register";

const problems = configProblems;

describe("rate-limit configuration", () => {
  it("defaults to 1000 calls an hour, tighter per-IP limits for Login and Register, no trusted proxy", () => {
    const c = loadConfig({});
    expect(c.rateLimit).toMatchObject({ enabled: true, defaultLimit: 1000, windowMs: 3_600_000, keyPrefix: "ratelimit:" });
    expect(Object.fromEntries(c.rateLimit.limits)).toEqual({ [LOGIN]: 20, [REGISTER]: 10 });
    expect(c.trustProxy).toBe(false);
  });

  it("reads method names and full procedure names over the built-in limits", () => {
    const c = loadConfig({
      RATE_LIMITS: " Login=50 , stuckai.user.v1.UserService/GetProfile=7,/stuckai.content.v1.ContentService/GetContentItem = 9",
      RATE_LIMIT_DEFAULT: "200",
      RATE_LIMIT_WINDOW_SECONDS: "60",
      RATE_LIMIT_ENABLED: "FALSE",
      RATE_LIMIT_KEY_PREFIX: "rl:",
      TRUST_PROXY: "true",
    });
    expect(Object.fromEntries(c.rateLimit.limits)).toEqual({
      [LOGIN]: 50,
      [REGISTER]: 10,
      "stuckai.user.v1.UserService/GetProfile": 7,
      "stuckai.content.v1.ContentService/GetContentItem": 9,
    });
    expect(c.rateLimit).toMatchObject({ enabled: false, defaultLimit: 200, windowMs: 60_000, keyPrefix: "rl:" });
    expect(c.trustProxy).toBe(true);
  });

  it("names the valid procedures when RATE_LIMITS names an unknown one", () => {
    const [problem, ...rest] = problems({ RATE_LIMITS: "Lgin=5" });
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^RATE_LIMITS: unknown procedure "Lgin"; valid: Register, Login, .*GetCurrentUser.*GetProfile.*ImportContentItems/);
    expect(problems({ RATE_LIMITS: "stuckai.auth.v1.AuthService/Nope=5" })).toEqual([expect.stringContaining('unknown procedure "stuckai.auth.v1.AuthService/Nope"')]);
  });

  it("reports every bad rate-limit value at once", () => {
    const list = problems({
      RATE_LIMITS: "Login,Register=0,GetProfile=many,GetCurrentUser=5,GetCurrentUser=6,grpc.health.v1.Health/Check=5",
      RATE_LIMIT_DEFAULT: "-1",
      RATE_LIMIT_WINDOW_SECONDS: "0",
      RATE_LIMIT_ENABLED: "maybe",
      TRUST_PROXY: "sometimes",
    });
    const expected = [
      'RATE_LIMITS entry "Login" must be Procedure=N, e.g. Login=20',
      "RATE_LIMITS Register=0: the limit must be an integer in [1, 1000000000]",
      "RATE_LIMITS GetProfile=many: the limit must be an integer in [1, 1000000000]",
      "RATE_LIMITS names stuckai.auth.v1.AuthService/GetCurrentUser more than once",
      "RATE_LIMITS: grpc.health.v1.Health/Check is exempt from rate limiting (health and reflection are never limited)",
      'RATE_LIMIT_WINDOW_SECONDS must be an integer in [1, 604800], got "0"',
      'RATE_LIMIT_ENABLED must be true or false, got "maybe"',
      'RATE_LIMIT_DEFAULT must be an integer in [1, 1000000000], got "-1"',
      'TRUST_PROXY must be true or false, got "sometimes"',
    ];
    expect([...list].sort()).toEqual(expected.sort());
  });
});
