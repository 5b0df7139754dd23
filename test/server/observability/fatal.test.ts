import { spawn } from "node:child_process";
import { once } from "node:events";
import { expect, it } from "vitest";

it("logs an unhandled rejection as one fatal JSON line with its stack, then exits 1", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "test/server/observability/fixtures/fatal-rejection.ts"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout!.on("data", (c) => (stdout += c));
  const [code] = await once(child, "exit");
  expect(code).toBe(1);
  const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as { level: number; msg: string; origin: string; err: { message: string; stack: string } });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 60, msg: "unexpected error, exiting", origin: "unhandled rejection", err: { message: "forgotten promise" } });
  expect(lines[0]!.err.stack).toContain("fatal-rejection.ts");
}, 30_000);
