/** The processes a benchmark run starts (API server, workers, load generator) and what /proc says about them. */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FromLoadgen, Phase, PhaseResult } from "./protocol.js";

/** Run TypeScript sources in one node process (the `tsx` CLI would put a second process in between). */
export const TSX = ["--import", "tsx"];
/** The repository: every child runs there, so `--import tsx` and relative entries resolve wherever the bench was started. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** True when the module at `moduleUrl` is the script node was started with, not one imported by another. */
export function isEntryPoint(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(moduleUrl);
}
/** `"NAME=value NAME=value"` (whitespace-separated; a value may contain "=") as an environment. */
export function parseEnvPairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(/\s+/).filter((p) => p !== "")) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new Error(`expected NAME=value, got ${pair}`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}
/** Linux reports CPU times in clock ticks; 100 a second on every mainstream kernel config. */
const CLOCK_TICKS = 100;

export interface Child {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts `entry` (a TypeScript file) as `node [execArgv] --import tsx entry` with exactly `env` (plus
 * PATH and HOME), its stdout and stderr going straight to the file descriptor `output` (a log file:
 * this process never reads the service's log lines, so it costs no CPU while the service is under
 * load), and resolves once `ready()` says so.
 */
export async function startService(
  name: string,
  entry: string,
  env: Record<string, string>,
  options: { output: number; ready: () => Promise<boolean>; execArgv?: string[]; timeoutMs?: number },
): Promise<Child> {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), ...TSX, entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", options.output, options.output],
  });
  const service: Child = {
    name,
    child,
    pid: child.pid!,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, "exit") as Promise<[number | null]>;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  let exited: number | null | undefined;
  child.once("exit", (code) => (exited = code));
  const timeoutMs = options.timeoutMs ?? 120_000;
  const started = performance.now();
  for (;;) {
    if (exited !== undefined) throw new Error(`${name} exited with ${exited} before it was ready (see its log)`);
    if (await options.ready().catch(() => false)) return service;
    if (performance.now() - started > timeoutMs) {
      child.kill("SIGKILL");
      throw new Error(`${name} was not ready within ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The load generator process, driven phase by phase. */
export class LoadGenerator {
  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
  ) {}

  static async start(): Promise<LoadGenerator> {
    const child = fork(new URL("./loadgen.ts", import.meta.url).pathname, [], {
      cwd: ROOT,
      execArgv: TSX,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    await new Promise<void>((resolve, reject) => {
      child.once("message", (m: FromLoadgen) => (m.type === "ready" ? resolve() : reject(new Error(`load generator: ${JSON.stringify(m)}`))));
      child.once("exit", (code) => reject(new Error(`load generator exited with ${code}`)));
    });
    return new LoadGenerator(child, child.pid!);
  }

  /** Runs one phase; `onWindow` hears when the counted window starts and ends. */
  run(phase: Phase, onWindow?: (event: "measuring" | "measured") => void): Promise<PhaseResult> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromLoadgen) => {
        if (m.type === "measuring" || m.type === "measured") onWindow?.(m.type);
        else if (m.type === "result") {
          cleanup();
          resolve(m.result);
        } else if (m.type === "error") {
          cleanup();
          reject(new Error(`load generator: ${m.message}`));
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`load generator exited with ${code}`));
      };
      const cleanup = () => {
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
      };
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
      this.child.send({ type: "run", phase });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.send({ type: "exit" });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await once(this.child, "exit");
    clearTimeout(timer);
  }
}

/** Resident set size of a process in bytes (undefined once it is gone, or without /proc). */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/**
 * CPU use of named processes over a window, as shares of one core, plus the whole machine's busy
 * share of all its cores (what else was running shows as machine − ours).
 */
export class CpuWindow {
  private readonly startCpu = new Map<string, number | undefined>();
  private startMachine = machineJiffies();
  private startAt = performance.now();

  constructor(private readonly pids: ReadonlyMap<string, number>) {
    this.begin();
  }

  begin(): void {
    for (const [name, pid] of this.pids) this.startCpu.set(name, cpuSeconds(pid));
    this.startMachine = machineJiffies();
    this.startAt = performance.now();
  }

  end(): { cores: Record<string, number>; machineBusy: number | undefined } {
    const seconds = (performance.now() - this.startAt) / 1000;
    const cores: Record<string, number> = {};
    for (const [name, pid] of this.pids) {
      const before = this.startCpu.get(name);
      const after = cpuSeconds(pid);
      if (before !== undefined && after !== undefined && seconds > 0) cores[name] = (after - before) / seconds;
    }
    const m = machineJiffies();
    const machineBusy = m && this.startMachine && m.total > this.startMachine.total ? (m.busy - this.startMachine.busy) / (m.total - this.startMachine.total) : undefined;
    return { cores, machineBusy };
  }
}

/** Runs a phase on the load generator and measures the CPU of `pids` over its counted window. */
export async function measured(
  loadgen: LoadGenerator,
  phase: Phase,
  pids: ReadonlyMap<string, number>,
): Promise<{ result: PhaseResult; cpu: ReturnType<CpuWindow["end"]>; window: [number, number] }> {
  let window: CpuWindow | undefined;
  let cpu: ReturnType<CpuWindow["end"]> | undefined;
  let from = monotonicUs();
  let to: number | undefined;
  const result = await loadgen.run(phase, (event) => {
    if (event === "measuring") {
      window = new CpuWindow(pids);
      from = monotonicUs();
    } else if (window && !cpu) {
      cpu = window.end();
      to = monotonicUs();
    }
  });
  return { result, cpu: cpu ?? window?.end() ?? { cores: {}, machineBusy: undefined }, window: [from, to ?? monotonicUs()] };
}

/** CLOCK_MONOTONIC in µs: the clock of V8's CPU profiles (their startTime and timeDeltas), in any process. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
