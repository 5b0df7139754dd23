import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { finishMf, prepareMf, solveRows, trainMf, type Csr, type MfJob, type MfPreference, type TrainMfOptions } from "./ials.js";
import { gramian } from "./linalg.js";
import type { MfModel } from "./model.js";

/** What a solve thread gets once: the job's arrays, all on shared memory. */
export interface SharedJob {
  readonly hyper: MfJob["hyper"];
  readonly byUser: Csr;
  readonly byItem: Csr;
  readonly userF: Float32Array;
  readonly itemF: Float32Array;
  readonly gram: Float64Array;
}

/** One half-epoch's share of rows for a thread. */
export interface SolveTask {
  readonly side: "users" | "items";
  readonly from: number;
  readonly to: number;
  readonly otherCount: number;
}

/**
 * trainMf on `threads` threads (default: the machine's parallelism, at most 8): the factors live
 * in shared memory, and each half-epoch's rows are split into contiguous ranges of about equal
 * work, one per thread, the calling thread taking the first. Row solves are independent, so the
 * model is bit-for-bit the one trainMf returns.
 */
export async function trainMfParallel(
  preferences: Iterable<MfPreference>,
  options: TrainMfOptions & {
    readonly threads?: number;
    /**
     * Solve rows on helper threads only, leaving the calling thread's event loop free between
     * Gramians (a worker process must keep confirming its other running jobs). Default: the caller
     * takes a share too.
     */
    readonly offMainThread?: boolean;
  } = {},
): Promise<MfModel> {
  const threads = Math.max(1, Math.min(8, Math.floor(options.threads ?? availableParallelism())));
  const offMain = options.offMainThread === true;
  if (threads === 1 && !offMain) return trainMf(preferences, options);
  const job = prepareMf(preferences, options, (n) => new Float32Array(new SharedArrayBuffer(n * 4)));
  const { hyper } = job;
  const d = hyper.dim;
  const users = job.userIds.length;
  const items = job.itemIds.length;
  const gram = new Float64Array(new SharedArrayBuffer(d * d * 8));
  const share = (c: Csr): Csr => ({ start: toShared(c.start), cols: toShared(c.cols), conf: toShared(c.conf) });
  const sharedJob: SharedJob = { hyper, byUser: share(job.byUser), byItem: share(job.byItem), userF: job.userF, itemF: job.itemF, gram };

  const helpers = Array.from({ length: offMain ? threads : threads - 1 }, () => solveThread(sharedJob));
  const run = (w: Worker, task: SolveTask) =>
    new Promise<void>((resolve, reject) => {
      const done = (message: unknown) => {
        w.off("error", reject);
        if (message === "done") resolve();
        else reject(new Error(`MF solve thread: ${String(message)}`));
      };
      w.once("message", done);
      w.once("error", reject);
      w.postMessage(task);
    });
  const half = async (side: SolveTask["side"]) => {
    const rows = side === "users" ? sharedJob.byUser : sharedJob.byItem;
    const count = side === "users" ? users : items;
    const otherCount = side === "users" ? items : users;
    const own = side === "users" ? sharedJob.userF : sharedJob.itemF;
    const other = side === "users" ? sharedJob.itemF : sharedJob.userF;
    gram.set(gramian(other, otherCount, d));
    const bounds = splitByWork(rows.start, count, threads, d);
    // Share k is rows bounds[k]..bounds[k+1]; the calling thread takes share 0 unless offMain.
    const first = offMain ? 0 : 1;
    const pending = helpers.map((w, k) => run(w, { side, from: bounds[k + first]!, to: bounds[k + first + 1]!, otherCount }));
    if (!offMain) solveRows(hyper, rows, bounds[0]!, bounds[1]!, own, other, gram, otherCount);
    await Promise.all(pending);
  };
  try {
    for (let epoch = 1; epoch <= hyper.epochs; epoch++) {
      await half("users");
      await half("items");
      options.onEpoch?.(epoch);
    }
  } finally {
    await Promise.all(helpers.map((w) => w.terminate()));
  }
  return finishMf(job, options);
}

/**
 * A thread running the sibling solve-worker module. Compiled, that is solve-worker.js. From
 * TypeScript sources (tsx, vitest) worker threads do not inherit the loader, so the thread first
 * registers tsx's (a dev dependency, and how the project runs its processes) and then imports it.
 */
function solveThread(workerData: SharedJob): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./solve-worker.js", import.meta.url), { workerData });
  const entry = new URL("./solve-worker.ts", import.meta.url).href;
  const code = `import("tsx/esm/api").then((tsx) => tsx.register()).then(() => import(${JSON.stringify(entry)}));`;
  return new Worker(code, { eval: true, execArgv: [], workerData });
}

/** Range bounds (parts + 1 of them) over rows, balancing entries × d + d² work per row. */
function splitByWork(start: Uint32Array, count: number, parts: number, d: number): number[] {
  const total = start[count]! * d + count * d * d;
  const bounds = [0];
  let row = 0;
  for (let p = 1; p < parts; p++) {
    const target = (total * p) / parts;
    while (row < count && start[row]! * d + row * d * d < target) row++;
    bounds.push(row);
  }
  bounds.push(count);
  return bounds;
}

function toShared<A extends Uint32Array | Float32Array>(a: A): A {
  const copy = new (a.constructor as new (b: SharedArrayBuffer) => A)(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}
