import { expect, it } from "vitest";
import { runScript } from "../helpers/process.js";

it("writes every line logged before the process exits, though the logger writes asynchronously", async () => {
  const { code, stdout } = await runScript("test/server/fixtures/exit-after-logging.ts");
  expect(code).toBe(0);
  const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as { i: number });
  expect(lines.map((l) => l.i)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
}, 30_000);
