/** A solve thread of trainMfParallel: solves the row ranges it is sent, on the shared job. */
import { parentPort, workerData } from "node:worker_threads";
import { solveRows } from "./ials.js";
import type { SharedJob, SolveTask } from "./parallel.js";

const job = workerData as SharedJob;
parentPort!.on("message", (task: SolveTask) => {
  try {
    const users = task.side === "users";
    solveRows(
      job.hyper,
      users ? job.byUser : job.byItem,
      task.from,
      task.to,
      users ? job.userF : job.itemF,
      users ? job.itemF : job.userF,
      job.gram,
      task.otherCount,
    );
    parentPort!.postMessage("done");
  } catch (e) {
    parentPort!.postMessage(e instanceof Error ? e.message : String(e));
  }
});
