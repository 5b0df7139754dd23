import { Code, ConnectError } from "@connectrpc/connect";

/** What one call ended with: `ok`, or the error's code name. */
export type Outcome = "ok" | string;

export interface LoopStats {
  readonly calls: number;
  /** Outcomes by procedure, e.g. { getRecommendations: { ok: 120, unavailable: 3 } }. */
  readonly byProcedure: Record<string, Record<Outcome, number>>;
  /** Errors that are not ConnectErrors (a dropped connection, a bug in the test). */
  readonly unexpected: string[];
}

/**
 * Runs `workers` concurrent loops of `step` until `stop()` is called, counting every call's outcome.
 * `step` records its calls through `call(procedure, promise)`.
 */
export function runLoad(workers: number, step: (worker: number, call: <T>(procedure: string, p: Promise<T>) => Promise<T | undefined>) => Promise<void>) {
  const byProcedure: Record<string, Record<Outcome, number>> = {};
  const unexpected: string[] = [];
  let calls = 0;
  let running = true;
  const count = (procedure: string, outcome: Outcome) => {
    const m = (byProcedure[procedure] ??= {});
    m[outcome] = (m[outcome] ?? 0) + 1;
  };
  const call = async <T>(procedure: string, p: Promise<T>): Promise<T | undefined> => {
    calls++;
    try {
      const value = await p;
      count(procedure, "ok");
      return value;
    } catch (err) {
      if (err instanceof ConnectError) count(procedure, Code[err.code].toLowerCase());
      else unexpected.push(String(err));
      return undefined;
    }
  };
  const loops = Array.from({ length: workers }, async (_, w) => {
    while (running) await step(w, call);
  });
  return {
    async stop(): Promise<LoopStats> {
      running = false;
      await Promise.all(loops);
      return { calls, byProcedure, unexpected };
    },
    snapshot: (): LoopStats => ({ calls, byProcedure: structuredClone(byProcedure), unexpected: [...unexpected] }),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CHAOS=1 (npm run test:chaos) runs the long variants. */
export const CHAOS = process.env.CHAOS === "1";
