import { describe, expect, it } from "vitest";
import { parseEnvPairs } from "../../bench/processes.js";

describe("parseEnvPairs (BENCH_SERVER_ENV)", () => {
  it("reads whitespace-separated NAME=value pairs, a value keeping its own '='", () => {
    expect(parseEnvPairs("")).toEqual({});
    expect(parseEnvPairs("  RECOMMENDATION_MEMO_LISTS=0 \n HEAP_GROWING_PERCENT=50 ")).toEqual({ RECOMMENDATION_MEMO_LISTS: "0", HEAP_GROWING_PERCENT: "50" });
    expect(parseEnvPairs("NODE_OPTIONS=--max-semi-space-size=64 EMPTY=")).toEqual({ NODE_OPTIONS: "--max-semi-space-size=64", EMPTY: "" });
  });

  it("refuses a pair without a name", () => {
    expect(() => parseEnvPairs("A=1 oops")).toThrow(/expected NAME=value, got oops/);
    expect(() => parseEnvPairs("=1")).toThrow(/got =1/);
  });
});
