import { execFile } from "node:child_process";
import { readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { consumerProject, packedSdk, REPO, type Packed } from "../helpers/package.js";

const run = promisify(execFile);
const CONSUMER = fileURLToPath(new URL("./consumer/", import.meta.url));

/** Runs a file of the consumer project in plain Node (nothing but PATH and HOME from here). */
async function runInConsumer(dir: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, args, { cwd: dir, env: { PATH: process.env.PATH!, HOME: dir }, timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`node ${args.join(" ")}: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

describe("the packed SDK, installed from its tarball into a project outside the repository", () => {
  let packed: Packed;
  let consumer: string;
  let server: TestServer;

  beforeAll(async () => {
    [packed, server] = await Promise.all([
      packedSdk(),
      // Films to recommend, loaded before the server listens.
      startTestServer("sqlite", { STARTER_CATALOG: "always" }),
    ]);
    consumer = await consumerProject(packed, {
      "node-flow.mjs": readFileSync(path.join(CONSUMER, "node-flow.mjs"), "utf8"),
      "require-check.cjs": readFileSync(path.join(CONSUMER, "require-check.cjs"), "utf8"),
    });
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    if (consumer) rmSync(consumer, { recursive: true, force: true });
  });

  it("holds the ESM and CommonJS builds with declarations, the sources and the docs, and nothing else", async () => {
    const { stdout } = await run("tar", ["-tzf", packed.sdk]);
    const files = stdout.split("\n").filter(Boolean);
    for (const entry of ["", "node/", "web/"]) {
      for (const f of [`dist/esm/${entry}index.js`, `dist/esm/${entry}index.d.ts`, `dist/cjs/${entry}index.js`, `dist/cjs/${entry}index.d.ts`]) {
        expect(files).toContain(`package/${f}`);
      }
    }
    expect(files).toEqual(expect.arrayContaining(["package/package.json", "package/README.md", "package/CHANGELOG.md", "package/dist/cjs/package.json", "package/src/core/client.ts"]));
    expect(files.filter((f) => /descriptors\.binpb|tsconfig|typedoc|tsdoc|scripts\/|node_modules|\.test\./.test(f))).toEqual([]);
    const manifest = JSON.parse((await run("tar", ["-xzOf", packed.sdk, "package/package.json"])).stdout);
    expect(manifest).toMatchObject({ name: "@stuckai/sdk", sideEffects: false, type: "module" });
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(manifest.exports)).toEqual([".", "./node", "./web", "./package.json"]);
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-node", "@connectrpc/connect-web"]);
    expect(manifest.dependencies).toBeUndefined();
  });

  it("is installed as a copy, not a link into the repository", () => {
    const installed = realpathSync(path.join(consumer, "node_modules", "@stuckai", "sdk"));
    expect(installed.startsWith(realpathSync(consumer))).toBe(true);
    expect(installed.startsWith(REPO)).toBe(false);
    expect(JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")).version).toBe(
      JSON.parse(readFileSync(path.join(REPO, "sdk", "package.json"), "utf8")).version,
    );
  });

  it("type-checks consumer code against the shipped declarations (checkJs, NodeNext)", async () => {
    writeFileSync(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          strict: true,
          noEmit: true,
          allowJs: true,
          checkJs: true,
          skipLibCheck: true,
          typeRoots: [path.join(REPO, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["node-flow.mjs", "require-check.cjs"],
      }),
    );
    const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
    await expect(run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: consumer }).then(() => "ok", (e) => `${e.stdout}${e.stderr}`)).resolves.toBe("ok");
  }, 120_000);

  it("loads from CommonJS through the exports map's require conditions", async () => {
    const out = JSON.parse(await runInConsumer(consumer, ["require-check.cjs"]));
    expect(out).toEqual({
      resolved: realpathSync(path.join(consumer, "node_modules/@stuckai/sdk/dist/cjs/node/index.js")),
      coreClient: "function",
      nodeClient: "function",
      webClient: "function",
      localStorageTokenStore: "function",
      sharedErrorClass: true,
      movie: 2,
      reason: "NOT_FOUND",
    });
  });

  it.each(["connect", "grpc"])("registers, logs in, updates the profile, waits for recommendations and likes one over %s", async (protocol) => {
    const email = `packed.${protocol}.${Date.now()}@example.com`;
    const out = JSON.parse(await runInConsumer(consumer, ["node-flow.mjs", server.baseUrl, protocol, email]));
    expect(out).toMatchObject({
      registeredId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      loginId: out.registeredId,
      sessionUser: email,
      interests: ["jazz", "museums"],
      status: "READY",
      duplicate: { reason: "EMAIL_TAKEN", requestId: expect.stringMatching(/\S/), is: true },
      cjsErrorRecognised: true,
      sessionEvents: ["signed-in", "signed-in", "signed-out"],
    });
    expect(out.count).toBeGreaterThan(0);
    expect(out.count).toBeLessThanOrEqual(5);
    expect(out.history[0]).toBe(`LIKE:${out.likeId}`);
    const rows = (await server.app.orm.em
      .getConnection()
      .execute("select user_id, recommendation_id, interaction_type, device from user_interactions where id = ?", [out.likeId])) as Record<string, string>[];
    expect(rows).toEqual([{ user_id: out.registeredId, recommendation_id: out.topId, interaction_type: "like", device: "node" }]);
  });
});
