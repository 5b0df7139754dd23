import { spawn } from "node:child_process";
import { once } from "node:events";
import http2 from "node:http2";
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ceilingCalls } from "../../bench/calls.js";
import { formatFloor, measureFloor } from "../../bench/framework-floor.js";
import { ROOT, TSX } from "../../bench/processes.js";
import { splitFrames } from "../../bench/stats.js";
import { GetRecommendationsResponseSchema } from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";

/** `bench/framework-floor.ts` on tiny settings, so the script never rots; no figure is asserted. */
describe("bench/framework-floor.ts", () => {
  it("loads both stacks with the same open loop and reports latency, CPU and promotion for each", { timeout: 60_000 }, async () => {
    const rows = await measureFloor({ rate: 100, seconds: 1, warmupMs: 300 });
    expect(rows.map((r) => r.stack)).toEqual(["http2", "connect"]);
    for (const r of rows) {
      expect(r.result.errors).toEqual({});
      expect(r.result.requests).toBeGreaterThan(50);
      expect(Number.isFinite(r.result.latencyMs.p99)).toBe(true);
      expect(r.cpuMs).toBeGreaterThan(0);
      for (const n of [r.promotedBytes, r.scavenges, r.markCompacts, r.longestMarkCompactMs]) expect(Number.isFinite(n)).toBe(true);
    }
    const table = formatFloor(rows, 100);
    expect(table).toContain("node:http2, by hand");
    expect(table).toContain("connect-node, ceiling handler");
  });
});

describe("bench/framework-floor.ts --serve, started by hand", () => {
  it("serves the ceiling's answer on the port it prints, for another load generator", { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, [...TSX, "bench/framework-floor.ts", "--serve", "connect", "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [line] = (await once(child.stdout!.setEncoding("utf8"), "data")) as [string];
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
      expect(port).toBeGreaterThan(0);
      const session = http2.connect(`http://127.0.0.1:${port}`);
      const stream = session.request({
        ":method": "POST",
        ":path": "/stuckai.content.v1.ContentService/GetRecommendations",
        "content-type": "application/grpc",
        te: "trailers",
        "x-stuckai-bench": "ceiling",
      });
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.end(Buffer.from(ceilingCalls()[0]!.frame, "base64"));
      const [trailers] = (await once(stream, "trailers")) as [http2.IncomingHttpHeaders];
      session.close();
      expect(trailers["grpc-status"]).toBe("0");
      const { frames } = splitFrames(Buffer.concat(chunks));
      expect(fromBinary(GetRecommendationsResponseSchema, frames[0]!.message).recommendations).toHaveLength(20);
    } finally {
      child.kill();
    }
  });
});
