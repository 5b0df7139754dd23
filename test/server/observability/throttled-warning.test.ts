import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { throttledWarning } from "../../../server/observability/throttled-warning.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line)) }) };
}

describe("throttledWarning", () => {
  it("logs the first error at once, then one line per interval with the count it left out", () => {
    const { lines, logger } = capture();
    let now = 1_000;
    const warn = throttledWarning(logger, "cache error", { component: "cache" }, 60_000, () => now);
    warn(new Error("connection refused"));
    for (let i = 0; i < 4; i++) {
      now += 10_000;
      warn(new Error("still refused"));
    }
    expect(lines).toHaveLength(1);
    now = 61_000; // exactly one interval after the first line
    warn("timed out", { procedure: "p" });
    now += 59_999;
    warn(new Error("x"));
    expect(lines.map(({ component, err, suppressed, msg, procedure }) => ({ component, err, suppressed, msg, procedure }))).toEqual([
      { component: "cache", err: "connection refused", suppressed: 0, msg: "cache error", procedure: undefined },
      { component: "cache", err: "timed out", suppressed: 4, msg: "cache error", procedure: "p" },
    ]);
  });

  it("keeps one count per warning, so one dependency's outage does not silence another's", () => {
    const { lines, logger } = capture();
    const cache = throttledWarning(logger, "cache error", { component: "cache" });
    const queue = throttledWarning(logger, "queue error", { component: "queue" });
    cache(new Error("a"));
    cache(new Error("b"));
    queue(new Error("c"));
    expect(lines.map((l) => [l.component, l.err])).toEqual([
      ["cache", "a"],
      ["queue", "c"],
    ]);
  });
});
