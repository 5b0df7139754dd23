import { describe, expect, it } from "vitest";
import { ConfigError } from "../../server/config/config.js";
import { loadWorkerConfig } from "../../worker/config.js";

const BASE = { REDIS_URL: "redis://127.0.0.1:6379" };

describe("loadWorkerConfig: WORKER_NICE", () => {
  it("yields the CPU by default, and takes 0 (unchanged) to 19", () => {
    expect(loadWorkerConfig(BASE).nice).toBe(10);
    expect(loadWorkerConfig({ ...BASE, WORKER_NICE: "0" }).nice).toBe(0);
    expect(loadWorkerConfig({ ...BASE, WORKER_NICE: "19" }).nice).toBe(19);
  });

  it("refuses values outside 0..19, naming the variable", () => {
    for (const bad of ["20", "-5", "ten"]) {
      expect(() => loadWorkerConfig({ ...BASE, WORKER_NICE: bad }), bad).toThrow(ConfigError);
      expect(() => loadWorkerConfig({ ...BASE, WORKER_NICE: bad }), bad).toThrow(/WORKER_NICE/);
    }
  });
});
