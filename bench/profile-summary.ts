/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and lists where the time went: functions by self time
 * and by inclusive time, and self time by source (our files, each package, node internals).
 * `npx tsx bench/profile-summary.ts FILE.cpuprofile [--top 25]`; `npm run bench -- --profile` calls
 * it on the server's profile.
 */
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transformSync } from "esbuild";
import { isEntryPoint } from "./processes.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  /** `function file:line` (line 1-based, path relative to the repository). */
  readonly where: string;
  readonly ms: number;
  /** Share of all sampled time, idle included. */
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  /** Whether only the counted windows of the load were summarised. */
  readonly windowed: boolean;
  readonly totalMs: number;
  readonly idleMs: number;
  readonly gcMs: number;
  readonly self: HotSpot[];
  readonly inclusive: HotSpot[];
  readonly bySource: HotSpot[];
}

const ROOT = path.resolve(fileURLToPath(new URL("..", import.meta.url)));

function relative(url: string): string {
  if (!url) return "";
  const file = url.startsWith("file://") ? fileURLToPath(url) : url;
  return file.startsWith(ROOT) ? path.relative(ROOT, file) : file;
}

/**
 * tsx runs TypeScript through esbuild with `minifyWhitespace` (every module is one line), so the
 * profile's positions in our .ts files are columns of line 1. Transforming the file again with the
 * same options and reading the source map gives the line in the source (exact while the file is
 * unchanged since the run).
 */
const sourceMaps = new Map<string, SourceMap | undefined>();

function sourceLine(url: string, line: number, column: number): number {
  if (!url.startsWith("file://") || !/\.[cm]?tsx?$/.test(url) || url.includes("/node_modules/")) return line + 1;
  let map = sourceMaps.get(url);
  if (!sourceMaps.has(url)) {
    try {
      const file = fileURLToPath(url);
      const out = transformSync(readFileSync(file, "utf8"), {
        loader: file.endsWith("x") ? "tsx" : "ts",
        format: "esm",
        target: `node${process.versions.node}`,
        sourcemap: "external",
        minifyWhitespace: true,
        keepNames: true,
        sourcefile: file,
      });
      map = new SourceMap(JSON.parse(out.map) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = undefined;
    }
    sourceMaps.set(url, map);
  }
  const entry = map?.findEntry(line, column) as { originalLine?: number } | undefined;
  return entry?.originalLine !== undefined ? entry.originalLine + 1 : line + 1;
}

function keyOf(node: ProfileNode): string {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const file = relative(url);
  return `${functionName || "(anonymous)"}${file ? ` ${file}:${sourceLine(url, lineNumber, columnNumber)}` : ""}`;
}

function sourceOf(node: ProfileNode): string {
  const file = relative(node.callFrame.url);
  if (!file) return node.callFrame.functionName.startsWith("(") ? node.callFrame.functionName : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return `npm:${pkg[1]}`;
  if (file.startsWith("node:")) return "node internals";
  return file.split("/").slice(0, 2).join("/");
}

/**
 * `windows`: [from, to] pairs on the profile's clock (µs, CLOCK_MONOTONIC: see processes.ts
 * monotonicUs); when given, only samples inside them count (e.g. the counted load, not start-up).
 */
export function summarizeProfile(file: string, top = 25, windows?: readonly (readonly [number, number])[]): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  let at = profile.startTime;
  const inWindow = (t: number) => !windows || windows.some(([from, to]) => t >= from && t <= to);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const bySource = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (!inWindow(at)) continue;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const name = node.callFrame.functionName;
    if (name === "(idle)") {
      idle += dt;
      continue;
    }
    if (name === "(garbage collector)") gc += dt;
    const k = keyOf(node);
    self.set(k, (self.get(k) ?? 0) + dt);
    const s = sourceOf(node);
    bySource.set(s, (bySource.get(s) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (n.callFrame.functionName === "(root)") break;
      const key = keyOf(n);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, ms]) => ({ where, ms: Math.round(ms), share: total > 0 ? ms / total : 0 }));
  return { file, windowed: Boolean(windows), totalMs: Math.round(total), idleMs: Math.round(idle), gcMs: Math.round(gc), self: list(self), inclusive: list(inclusive), bySource: list(bySource) };
}

export function formatProfile(s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  const busy = s.totalMs - s.idleMs;
  const lines = [
    `profile ${s.file}${s.windowed ? " (counted load windows only)" : ""}: ${s.totalMs} ms sampled, ${busy} ms busy (${pct(busy / Math.max(1, s.totalMs)).trim()}), GC ${s.gcMs} ms`,
    "  self time (busy share):",
    ...s.self.map((h) => `    ${pct(h.ms / Math.max(1, busy))} ${String(h.ms).padStart(7)} ms  ${h.where}`),
    "  inclusive time (busy share):",
    ...s.inclusive.map((h) => `    ${pct(h.ms / Math.max(1, busy))} ${String(h.ms).padStart(7)} ms  ${h.where}`),
    "  self time by source:",
    ...s.bySource.map((h) => `    ${pct(h.ms / Math.max(1, busy))} ${String(h.ms).padStart(7)} ms  ${h.where}`),
  ];
  return lines.join("\n");
}

if (isEntryPoint(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const [value] = args.splice(at, 2).slice(1);
    return value;
  };
  const top = Number(option("--top") ?? 25);
  const from = option("--windows-from");
  const windows = from ? (JSON.parse(readFileSync(from, "utf8")) as { server?: { profileWindows?: [number, number][] } }).server?.profileWindows : undefined;
  if (args.length === 0) {
    process.stderr.write("usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N] [--windows-from RESULTS.json]\n");
    process.exit(1);
  }
  for (const f of args) console.log(formatProfile(summarizeProfile(f, top, windows)));
}
