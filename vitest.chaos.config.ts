import { defineConfig } from "vitest/config";

/**
 * `npm run test:chaos`: the long variants of the reliability suites (CHAOS=1 makes each one bigger).
 * One file at a time, so a long fuzz or load run does not compete with another for two cores, and
 * timeouts fit runs of many minutes. (Standalone rather than merged with vitest.config.ts: merging
 * would add this `include` to the whole suite's.)
 */
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts", "test/faults/**/*.test.ts", "test/load/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
  },
});
