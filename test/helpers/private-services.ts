import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

/**
 * A PostgreSQL cluster of the test's own (Debian's binaries, a temp dir, a free port), for tests
 * that stop, freeze or restart the database: the machine's shared server is never touched.
 * PostgreSQL refuses to run as root, so as root the binaries run as the `postgres` OS user.
 */
export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PrivatePostgres> {
    const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    if (versions.length === 0) throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql");
    const bin = `/usr/lib/postgresql/${versions[0]}/bin`;
    const dir = mkdtempSync(path.join(tmpdir(), "stuckai-pg-"));
    if (process.getuid?.() === 0) {
      const { stdout } = await run("id", ["-u", "postgres"]);
      const { stdout: gid } = await run("id", ["-g", "postgres"]);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const pg = new PrivatePostgres(bin, dir, await freePort());
    await pg.exec("initdb", ["-D", pg.dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
    await pg.start();
    return pg;
  }

  private get dataDir(): string {
    return path.join(this.dir, "data");
  }

  async start(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
    await this.exec("pg_ctl", ["-D", this.dataDir, "-o", opts, "-l", path.join(this.dir, "log"), "-w", "-t", "60", "start"]);
  }

  /** `pg_ctl stop -m fast`: open connections are terminated, new ones refused. */
  async stop(): Promise<void> {
    await this.exec("pg_ctl", ["-D", this.dataDir, "-m", "fast", "-w", "-t", "60", "stop"]);
  }

  /** SIGSTOP to the postmaster and every backend: connections stay open but nothing answers, like a hung host. */
  freeze(): void {
    for (const pid of this.pids()) process.kill(pid, "SIGSTOP");
  }

  thaw(): void {
    for (const pid of this.pids()) process.kill(pid, "SIGCONT");
  }

  async destroy(): Promise<void> {
    try {
      this.thaw();
    } catch {
      /* not running */
    }
    await this.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  private pids(): number[] {
    const postmaster = Number(readFileSync(path.join(this.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    const children = readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          // Field 4 of /proc/PID/stat is the parent pid; the command name (field 2) may contain spaces, so split after it.
          const stat = readFileSync(`/proc/${p}/stat`, "utf8");
          return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster;
        } catch {
          return false;
        }
      })
      .map(Number);
    return [postmaster, ...children];
  }

  private async exec(tool: string, args: string[]): Promise<void> {
    const [cmd, cmdArgs] = process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", `${this.bin}/${tool}`, ...args]] : [`${this.bin}/${tool}`, args];
    try {
      await run(cmd, cmdArgs as string[], { timeout: 90_000, cwd: this.dir });
    } catch (err) {
      const log = (() => {
        try {
          return readFileSync(path.join(this.dir, "log"), "utf8").slice(-2000);
        } catch {
          return "";
        }
      })();
      throw new Error(`${tool} ${args.join(" ")} failed: ${String(err)}\n${log}`);
    }
  }
}

/** A redis-server of the test's own on a free port, without persistence; stop() and start() keep the port. */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async create(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    const child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 30_000);
      child.stdout!.on("data", (c: Buffer) => {
        out += c;
        if (out.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${out}`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}
