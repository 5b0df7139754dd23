import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("protobuf contracts", () => {
  it("pass buf lint (STANDARD)", async () => {
    await expect(run("node_modules/.bin/buf", ["lint"])).resolves.toBeDefined();
  });

  it("match the committed generated code", async () => {
    const { stdout } = await run("bash", ["scripts/check-generated.sh"], { timeout: 60_000 });
    expect(stdout).toContain("generated code is fresh");
  });
});
