import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "../../../server/persistence/db-errors.js";

const pgError = (code: string, message = "error") => Object.assign(new Error(message), { code });

describe("isDatabaseUnavailable", () => {
  it.each([
    ["connection failure (08006)", pgError("08006")],
    ["admin shutdown (57P01)", pgError("57P01")],
    ["cannot connect now (57P03)", pgError("57P03")],
    ["too many connections (53300)", pgError("53300")],
    ["refused socket", pgError("ECONNREFUSED")],
    ["pool timeout, wrapped by the ORM", Object.assign(new Error("query failed"), { cause: new Error("Timeout acquiring a connection. The pool is probably full.") })],
  ])("is true for %s", (_name, err) => expect(isDatabaseUnavailable(err)).toBe(true));

  it.each([
    ["a protocol violation (08P01): the request's fault, it would fail again", pgError("08P01", "invalid message format")],
    ["a unique violation (23505)", pgError("23505")],
    ["a syntax error (42601)", pgError("42601")],
    ["not an Error", "ECONNREFUSED"],
  ])("is false for %s", (_name, err) => expect(isDatabaseUnavailable(err)).toBe(false));
});
