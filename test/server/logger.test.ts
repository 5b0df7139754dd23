import { spawn } from "node:child_process";
import { once } from "node:events";
import { expect, it } from "vitest";

it("writes every line logged before the process exits, though the logger writes asynchronously", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "test/server/fixtures/exit-after-logging.ts"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout!.on("data", (c) => (stdout += c));
  const [code] = await once(child, "exit");
  expect(code).toBe(0);
  const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as { i: number });
  expect(lines.map((l) => l.i)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
}, 30_000);
