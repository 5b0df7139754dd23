import { setFlagsFromString } from "node:v8";

/**
 * Sets how far V8 lets the old generation grow past what survived the last full GC before it collects
 * again; 0 leaves V8's heuristics, which go up to 4× on a machine with memory to spare, so under load
 * the API's RSS swings between its live set and four times it (226 → 690 MB in the bench). 100 (2×)
 * cut that peak by a third, but the more frequent full GCs cost 3–5 % CPU per call and, on two busy
 * cores, tail latency (database-hit p99 at half load 85–115 ms against 14 ms): a setting for
 * memory-bound deployments, not the default. V8 reads the flag at every full GC, so setting it at
 * start-up (rather than on the command line) takes effect; a test checks it.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
