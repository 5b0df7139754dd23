import { expect, it } from "vitest";
import { runScript } from "../../helpers/process.js";

it("logs an unhandled rejection as one fatal JSON line with its stack, then exits 1", async () => {
  const { code, stdout } = await runScript("test/server/observability/fixtures/fatal-rejection.ts");
  expect(code).toBe(1);
  const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as { level: number; msg: string; origin: string; err: { message: string; stack: string } });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 60, msg: "unexpected error, exiting", origin: "unhandled rejection", err: { message: "forgotten promise" } });
  expect(lines[0]!.err.stack).toContain("fatal-rejection.ts");
}, 30_000);
