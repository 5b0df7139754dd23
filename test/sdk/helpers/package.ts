import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const SDK = path.join(REPO, "sdk");
/** The SDK's peer dependencies, packed from the repository's installed copies (no registry needed). */
export const PEERS = ["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-node", "@connectrpc/connect-web"];
const CACHE = path.join(tmpdir(), "stuckai-sdk-pack");
// Not part of the package's sources: build output, local docs, tarballs.
const IGNORED = new Set(["dist", "docs", "node_modules"]);

export interface Packed {
  /** The tarball `npm pack` made of sdk/: what `npm publish` would upload. */
  readonly sdk: string;
  /** One tarball per peer dependency. */
  readonly peers: Record<string, string>;
}

/**
 * Packs the SDK as `npm pack` does for publishing (its prepack script builds it), from a copy of
 * sdk/ outside the repository so that the working tree's dist/ is never touched. The tarballs are
 * kept per hash of the sources and the lockfile, so test files of one run share one build.
 */
export async function packedSdk(): Promise<Packed> {
  const dir = path.join(CACHE, sourceHash());
  const done = path.join(dir, "done.json");
  await withLock(`${dir}.lock`, async () => {
    if (existsSync(done)) return;
    rmSync(dir, { recursive: true, force: true });
    const stage = path.join(dir, "stage");
    cpSync(SDK, path.join(stage, "sdk"), { recursive: true, filter: (src) => !IGNORED.has(path.basename(src)) && !src.endsWith(".tgz") });
    // The build finds TypeScript and the peers' types where an installed package would.
    symlinkSync(path.join(REPO, "node_modules"), path.join(stage, "node_modules"), "dir");
    const out = path.join(dir, "tarballs");
    mkdirSync(out, { recursive: true });
    const sdk = await npmPack(path.join(stage, "sdk"), out, false);
    const peers: Record<string, string> = {};
    for (const name of PEERS) peers[name] = await npmPack(path.join(REPO, "node_modules", name), out, true);
    writeFileSync(done, JSON.stringify({ sdk, peers }));
    pruneOtherBuilds(dir);
  });
  return JSON.parse(readFileSync(done, "utf8")) as Packed;
}

/** A new project in a temporary directory outside the repository with the tarballs installed, offline. */
export async function consumerProject(packed: Packed, files: Record<string, string> = {}): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "stuckai-sdk-consumer-"));
  const dependencies = Object.fromEntries([["@stuckai/sdk", packed.sdk], ...Object.entries(packed.peers)].map(([n, t]) => [n, `file:${t}`]));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies }, null, 2));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  await npm(["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], dir);
  return dir;
}

export async function npm(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run("npm", args, { cwd, env: { ...process.env, npm_config_update_notifier: "false" }, maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(" ")} failed in ${cwd}: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

async function npmPack(from: string, out: string, ignoreScripts: boolean): Promise<string> {
  const args = ["pack", "--json", "--pack-destination", out, ...(ignoreScripts ? ["--ignore-scripts"] : [])];
  const [info] = JSON.parse(await npm(args, from)) as { filename: string }[];
  return path.join(out, info!.filename);
}

function sourceHash(): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (IGNORED.has(name) || name.endsWith(".tgz")) continue;
      if (statSync(file).isDirectory()) walk(file);
      else hash.update(path.relative(SDK, file)).update("\0").update(readFileSync(file)).update("\0");
    }
  };
  walk(SDK);
  hash.update(readFileSync(path.join(REPO, "package-lock.json")));
  return hash.digest("hex").slice(0, 16);
}

/** A directory as a lock between the test files (separate workers) of one run; a stale one is taken over. */
async function withLock(lock: string, fn: () => Promise<void>): Promise<void> {
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function pruneOtherBuilds(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    const other = path.join(CACHE, name);
    if (other !== keep && !name.endsWith(".lock") && Date.now() - statSync(other).mtimeMs > 3600_000) rmSync(other, { recursive: true, force: true });
  }
}
