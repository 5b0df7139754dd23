import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly logs: Record<string, unknown>[];
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `npm start`'s command (tsx server/main.ts) as a real process and waits for its "listening" line. */
export async function spawnServer(env: Record<string, string>, entry = "server/main.ts"): Promise<ServerProcess> {
  // `node --import tsx`, not the tsx CLI: signals (SIGTERM, SIGKILL) must reach the server itself, not a wrapper.
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr!.on("data", (c) => (stderr += c));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s: ${stderr}`)), 30_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === "listening") {
          clearTimeout(timer);
          resolve(entry.port as number);
        }
      } catch {
        /* not a log line */
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  return {
    child,
    port,
    logs,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await once(child, "exit");
      return code as number | null;
    },
  };
}

/** Runs the server expecting it to refuse to start; resolves with exit code and stderr. */
export async function runFailingServer(env: Record<string, string>, entry = "server/main.ts"): Promise<{ code: number | null; stderr: string }> {
  const child = spawn("node_modules/.bin/tsx", [entry], {
    env: { PATH: process.env.PATH!, PORT: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c) => (stderr += c));
  const [code] = await once(child, "exit");
  return { code: code as number | null, stderr };
}

/** Runs a TypeScript script to its end; resolves with its exit code and what it wrote to stdout. */
export async function runScript(file: string, args: readonly string[] = []): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout!.on("data", (c) => (stdout += c));
  const [code] = await once(child, "exit");
  return { code: code as number | null, stdout };
}
