/**
 * What the protocol stack alone costs at a fixed open-loop rate, before any of the request path runs:
 * the same request answered with the same bytes (the bench's ceiling answer, 20 movies) by a bare
 * `node:http2` stream handler and by connect-node with the bench's ceiling handler
 * (server/transport/bench-ceiling.ts: no interceptors, no I/O), each in its own server process on
 * plain `http2.createServer`, loaded by the bench's load generator. For each it prints latency,
 * server CPU per call and what V8 promoted to the old generation per call (scavenges only, from
 * `v8.GCProfiler` over the counted window), with the mark-compacts that garbage brings on.
 * gzip is off: it is the same zlib call under both, and would only blur the difference.
 *
 *   npx tsx bench/framework-floor.ts [--rate 700] [--seconds 10]
 *   npx tsx bench/framework-floor.ts --serve http2|connect --port N   (one server, for another load generator)
 */
import http2 from "node:http2";
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { GCProfiler } from "node:v8";
import { toBinary } from "@bufbuild/protobuf";
import { GetRecommendationsResponseSchema } from "../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { benchCeiling, ceilingAnswers } from "../server/transport/bench-ceiling.js";
import { ceilingCalls } from "./calls.js";
import { isEntryPoint, LoadGenerator, ROOT, TSX } from "./processes.js";
import type { UnaryResult } from "./protocol.js";
import { grpcFrame } from "./stats.js";

const STACKS = { http2: "node:http2, by hand", connect: "connect-node, ceiling handler" } as const;
type Stack = keyof typeof STACKS;

/** What a server process reports for the counted window. */
export interface FloorServerReport {
  readonly cpuMs: number;
  readonly promotedBytes: number;
  readonly scavenges: number;
  readonly markCompacts: number;
  readonly longestMarkCompactMs: number;
}

export interface FloorRow extends FloorServerReport {
  readonly stack: Stack;
  readonly result: UnaryResult;
}

type ToServer = { readonly type: "start" } | { readonly type: "stop" };
type FromServer = { readonly type: "listening"; readonly port: number } | { readonly type: "report"; readonly report: FloorServerReport };

const OLD_SPACES = new Set(["old_space", "large_object_space", "code_space"]);

function oldBytes(spaces: readonly { spaceName: string; spaceUsedSize: number }[]): number {
  return spaces.reduce((sum, s) => sum + (OLD_SPACES.has(s.spaceName) ? s.spaceUsedSize : 0), 0);
}

/**
 * The server side (`--serve STACK`): listens, then measures its own GC and CPU between start and stop.
 * Started by hand (no IPC channel), it listens on `port` and serves until stopped, for another load
 * generator (see bench/README.md).
 */
async function serve(stack: Stack, port = 0): Promise<void> {
  const frame = grpcFrame(toBinary(GetRecommendationsResponseSchema, ceilingAnswers().asBinary));
  const server =
    stack === "connect"
      ? http2.createServer(benchCeiling())
      : http2.createServer().on("stream", (stream) => {
          stream.on("data", () => {});
          stream.once("end", () => {
            stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
            stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
            stream.end(frame);
          });
        });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  if (!process.send) {
    console.log(`${STACKS[stack]} listening on 127.0.0.1:${(server.address() as { port: number }).port}`);
    return;
  }
  const send = (m: FromServer) => process.send!(m);
  let profiler: GCProfiler | undefined;
  let cpu = process.cpuUsage();
  process.on("message", (m: ToServer) => {
    if (m.type === "start") {
      profiler = new GCProfiler();
      profiler.start();
      cpu = process.cpuUsage();
      return;
    }
    const used = process.cpuUsage(cpu);
    const stats = profiler?.stop()?.statistics ?? [];
    const scavenges = stats.filter((s) => s.gcType === "Scavenge");
    const compactions = stats.filter((s) => s.gcType === "MarkSweepCompact");
    send({
      type: "report",
      report: {
        cpuMs: (used.user + used.system) / 1000,
        promotedBytes: scavenges.reduce((sum, s) => sum + oldBytes(s.afterGC.heapSpaceStatistics) - oldBytes(s.beforeGC.heapSpaceStatistics), 0),
        scavenges: scavenges.length,
        markCompacts: compactions.length,
        longestMarkCompactMs: compactions.reduce((max, s) => Math.max(max, s.cost / 1000), 0),
      },
    });
  });
  send({ type: "listening", port: (server.address() as { port: number }).port });
}

/** Runs each stack in turn under the same open loop. */
export async function measureFloor(options: { rate: number; seconds: number; warmupMs: number }): Promise<FloorRow[]> {
  const loadgen = await LoadGenerator.start();
  const rows: FloorRow[] = [];
  try {
    for (const stack of Object.keys(STACKS) as Stack[]) {
      const child = fork(fileURLToPath(import.meta.url), ["--serve", stack], { cwd: ROOT, execArgv: TSX, stdio: ["ignore", "inherit", "inherit", "ipc"] });
      try {
        const [listening] = (await once(child, "message")) as [FromServer];
        if (listening.type !== "listening") throw new Error(`${stack} server: ${JSON.stringify(listening)}`);
        const report = new Promise<FloorServerReport>((resolve) => child.on("message", (m: FromServer) => m.type === "report" && resolve(m.report)));
        const result = (await loadgen.run(
          {
            kind: "unary",
            port: listening.port,
            connections: 4,
            calls: ceilingCalls(),
            cycle: true,
            mode: { type: "open", rate: options.rate, maxInFlight: 4096 },
            warmupMs: options.warmupMs,
            durationMs: options.seconds * 1000,
            acceptGzip: false,
            decodeEvery: 0,
          },
          (event) => child.send({ type: event === "measuring" ? "start" : "stop" } satisfies ToServer),
        )) as UnaryResult;
        rows.push({ stack, result, ...(await report) });
      } finally {
        child.kill();
      }
    }
  } finally {
    await loadgen.stop();
  }
  return rows;
}

export function formatFloor(rows: readonly FloorRow[], rate: number): string {
  const f = (x: number, digits = 2) => x.toFixed(digits);
  const lines = [
    `open loop at ${rate}/s, gzip off; send p99: how late the load generator sent a call after its scheduled start (part of its latency); promoted: bytes V8 moved to the old generation per call in scavenges`,
    [
      "stack".padEnd(30),
      "req/s".padStart(7),
      "p50 ms".padStart(8),
      "p99 ms".padStart(8),
      "max ms".padStart(8),
      "send p99".padStart(9),
      "ms/call".padStart(8),
      "promoted KB/call".padStart(17),
      "scavenges".padStart(10),
      "mark-compacts".padStart(14),
      "longest ms".padStart(11),
    ].join(" "),
  ];
  for (const r of rows) {
    const l = r.result.latencyMs;
    const calls = Math.max(1, r.result.requests);
    lines.push(
      [
        STACKS[r.stack].padEnd(30),
        f(r.result.rps, 0).padStart(7),
        f(l.p50).padStart(8),
        f(l.p99).padStart(8),
        f(l.max).padStart(8),
        (r.result.launchDelayMs ? f(r.result.launchDelayMs.p99) : "-").padStart(9),
        f(r.cpuMs / calls).padStart(8),
        f(r.promotedBytes / 1024 / calls, 1).padStart(17),
        String(r.scavenges).padStart(10),
        String(r.markCompacts).padStart(14),
        f(r.longestMarkCompactMs, 1).padStart(11),
      ].join(" "),
    );
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf("--serve");
  if (at >= 0) {
    const stack = argv[at + 1];
    if (stack !== "http2" && stack !== "connect") throw new Error(`--serve takes http2 or connect, got ${stack}`);
    const portAt = argv.indexOf("--port");
    const port = portAt >= 0 ? Number(argv[portAt + 1]) : 0;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port takes a port number, got ${argv[portAt + 1]}`);
    return serve(stack, port);
  }
  const option = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    const value = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!(value > 0)) throw new Error(`${name} takes a positive number, got ${argv[i + 1]}`);
    return value;
  };
  const rate = option("--rate", 700);
  const rows = await measureFloor({ rate, seconds: option("--seconds", 10), warmupMs: 2_000 });
  console.log(formatFloor(rows, rate));
}

if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
