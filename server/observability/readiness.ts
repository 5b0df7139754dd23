/**
 * Whether the server can do its work: each dependency checked with a short timeout, so a hung
 * database makes `/ready` answer 503 quickly instead of hanging the probe. Shared by `GET /ready`,
 * `GET /health/detailed` and grpc.health.v1.
 */

export interface DependencyCheck {
  readonly name: string;
  /** False for an optional dependency that is switched off (e.g. Redis without REDIS_URL). */
  readonly configured: boolean;
  /** Resolves when healthy, with details worth showing; rejects with a reason a human can act on. */
  run(): Promise<Record<string, unknown> | void>;
}

export type DependencyStatus =
  | { readonly status: "not configured" }
  | { readonly status: "ok"; readonly latencyMs: number; readonly [detail: string]: unknown }
  | { readonly status: "down"; readonly latencyMs: number; readonly error: string };

export interface ReadinessReport {
  readonly ready: boolean;
  /** Names of the dependencies that are down, or `shutdown` while the server drains. */
  readonly failing: readonly string[];
  readonly dependencies: Readonly<Record<string, DependencyStatus>>;
}

export interface ReadinessOptions {
  /** Longest wait per check. */
  readonly timeoutMs: number;
  /** Reports are reused this long, so many probes and health watchers cost one round of checks. */
  readonly cacheMs?: number;
}

export class Readiness {
  private cached: { at: number; report: Promise<ReadinessReport> } | undefined;
  /** A check still running from an earlier round is joined, never duplicated: a hung database gets one query, not one per probe. */
  private readonly running = new Map<string, Promise<Record<string, unknown> | void>>();
  private draining = false;

  constructor(
    private readonly checks: readonly DependencyCheck[],
    private readonly opts: ReadinessOptions,
  ) {}

  /** From now on the server reports not ready: it is shutting down. */
  beginShutdown(): void {
    this.draining = true;
    this.cached = undefined;
  }

  report(): Promise<ReadinessReport> {
    const now = performance.now();
    if (this.cached && now - this.cached.at < (this.opts.cacheMs ?? 1000)) return this.cached.report;
    const report = this.checkAll();
    this.cached = { at: now, report };
    return report;
  }

  /** Serving per gRPC service name ("" = the whole server): a service serves when the dependencies it needs are up. */
  async servingStatuses(needs: Readonly<Record<string, readonly string[]>>): Promise<Map<string, boolean>> {
    const report = await this.report();
    const up = (name: string) => {
      const dep = report.dependencies[name];
      return dep === undefined || dep.status !== "down";
    };
    const serving = new Map<string, boolean>([["", report.ready]]);
    for (const [service, deps] of Object.entries(needs)) serving.set(service, !this.draining && deps.every(up));
    return serving;
  }

  private async checkAll(): Promise<ReadinessReport> {
    const entries = await Promise.all(this.checks.map(async (c) => [c.name, await this.checkOne(c)] as const));
    const dependencies = Object.fromEntries(entries);
    const failing = entries.filter(([, s]) => s.status === "down").map(([name]) => name);
    if (this.draining) failing.push("shutdown");
    return { ready: failing.length === 0, failing, dependencies };
  }

  private async checkOne(check: DependencyCheck): Promise<DependencyStatus> {
    if (!check.configured) return { status: "not configured" };
    const start = performance.now();
    const latencyMs = () => Math.round((performance.now() - start) * 100) / 100;
    let run = this.running.get(check.name);
    if (!run) {
      run = check.run();
      this.running.set(check.name, run);
      const forget = () => this.running.delete(check.name);
      run.then(forget, forget);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    });
    try {
      const details = await Promise.race([run, timeout]);
      return { status: "ok", latencyMs: latencyMs(), ...details };
    } catch (err) {
      return { status: "down", latencyMs: latencyMs(), error: describe(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A short, single-line reason; driver errors can be long and multi-line. */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message || err.name : String(err);
  const aggregate = err instanceof AggregateError && err.errors[0] instanceof Error ? `: ${err.errors[0].message}` : "";
  return (message + aggregate).replace(/\s+/g, " ").trim().slice(0, 300);
}
