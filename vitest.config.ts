import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration suites start real servers and databases; give their hooks room on a 2-core machine.
    hookTimeout: 60_000,
    testTimeout: 30_000,
    // Each file owns its server and database, so files may run in parallel.
    fileParallelism: true,
  },
});
