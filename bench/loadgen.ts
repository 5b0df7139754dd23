/**
 * The benchmark's load generator: a child process of bench/run.ts (forked with IPC), so its CPU is
 * not the server's. It speaks gRPC over HTTP/2 cleartext with node:http2 directly: every request is
 * a precomputed frame and header set, and an answer is read only for its grpc-status (one answer in
 * `decodeEvery` is decoded to check that it came from where the phase says). A client library would
 * spend more CPU per call than the server's ceiling handler does, and make the load generator the
 * bottleneck on a small machine; its own CPU and event-loop use are reported with every result.
 */
import http2 from "node:http2";
import { performance } from "node:perf_hooks";
import { gunzipSync } from "node:zlib";
import { fromBinary } from "@bufbuild/protobuf";
import { Redis } from "ioredis";
import {
  GetRecommendationsResponseSchema,
  RecommendationSource,
  RecommendationStatus,
  WatchRecommendationsResponseSchema,
} from "../sdk/src/gen/stuckai/content/v1/content_pb.js";
import type { CallSpec, FromLoadgen, PhaseResult, ProcessLoad, ToLoadgen, UnaryPhase, UnaryResult, WatchPhase, WatchResult } from "./protocol.js";
import { Samples, splitFrames, summarize } from "./stats.js";

interface PreparedCall {
  readonly headers: http2.OutgoingHttpHeaders;
  readonly frame: Buffer;
  readonly lock?: string;
  readonly flush?: readonly string[];
}

interface Answer {
  /** grpc-status, or `http-<rst code>` when the stream ended without one. */
  readonly status: string;
  readonly body?: Buffer;
  readonly encoding?: string;
}

function send(message: FromLoadgen): void {
  process.send?.(message);
}

function prepare(call: CallSpec, acceptGzip: boolean): PreparedCall {
  return {
    headers: {
      ":method": "POST",
      ":path": call.path,
      "content-type": "application/grpc",
      te: "trailers",
      ...(acceptGzip ? { "grpc-accept-encoding": "gzip" } : {}),
      ...call.headers,
    },
    frame: Buffer.from(call.frame, "base64"),
    ...(call.lock ? { lock: call.lock } : {}),
    ...(call.flush ? { flush: call.flush } : {}),
  };
}

async function connect(port: number, count: number): Promise<http2.ClientHttp2Session[]> {
  const sessions = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<http2.ClientHttp2Session>((resolve, reject) => {
          const session = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 4 * 1024 * 1024 } });
          session.once("connect", () => {
            // The connection window starts at 64 KiB; many concurrent 10 KB answers would wait on it.
            session.setLocalWindowSize(32 * 1024 * 1024);
            resolve(session);
          });
          session.once("error", reject);
        }),
    ),
  );
  for (const s of sessions) s.on("error", () => {});
  return sessions;
}

/** One unary call; resolves when the stream is closed. */
function call(session: http2.ClientHttp2Session, prepared: PreparedCall, keepBody: boolean): Promise<Answer> {
  return new Promise((resolve) => {
    const stream = session.request(prepared.headers, { endStream: false });
    let status: string | undefined;
    let encoding: string | undefined;
    const chunks: Buffer[] | undefined = keepBody ? [] : undefined;
    stream.on("response", (headers) => {
      const s = headers["grpc-status"];
      if (s !== undefined) status = String(s);
      const e = headers["grpc-encoding"];
      if (e !== undefined) encoding = String(e);
    });
    if (chunks) stream.on("data", (c: Buffer) => chunks.push(c));
    else stream.resume();
    stream.on("trailers", (trailers) => {
      const s = trailers["grpc-status"];
      if (s !== undefined) status = String(s);
    });
    stream.on("error", () => {});
    stream.on("close", () => {
      resolve({
        status: status ?? `http-${stream.rstCode ?? "closed"}`,
        ...(chunks ? { body: Buffer.concat(chunks) } : {}),
        ...(encoding ? { encoding } : {}),
      });
    });
    stream.end(prepared.frame);
  });
}

function describeRecommendations(answer: Answer): string {
  if (answer.status !== "0" || !answer.body) return `status-${answer.status}`;
  const { frames } = splitFrames(answer.body);
  const frame = frames[0];
  if (!frame) return "empty";
  let msg;
  try {
    msg = fromBinary(GetRecommendationsResponseSchema, frame.compressed ? gunzipSync(frame.message) : frame.message);
  } catch {
    return "undecodable";
  }
  return `${RecommendationStatus[msg.status]}/${RecommendationSource[msg.source]}/${msg.recommendations.length} items${frame.compressed ? "/gzip" : ""}`;
}

class LoadMeter {
  private cpu = process.cpuUsage();
  private elu = performance.eventLoopUtilization();
  private at = performance.now();

  reset(): void {
    this.cpu = process.cpuUsage();
    this.elu = performance.eventLoopUtilization();
    this.at = performance.now();
  }

  read(): ProcessLoad {
    const cpu = process.cpuUsage(this.cpu);
    const wallUs = (performance.now() - this.at) * 1000;
    return { cpu: (cpu.user + cpu.system) / wallUs, elu: performance.eventLoopUtilization(this.elu).utilization };
  }
}

async function runUnary(phase: UnaryPhase): Promise<UnaryResult> {
  const sessions = await connect(phase.port, phase.connections);
  const redis = phase.calls.some((c) => c.flush) ? new Redis(phase.redisUrl ?? "redis://127.0.0.1:6379", { lazyConnect: false }) : undefined;
  const calls = phase.calls.map((c) => prepare(c, phase.acceptGzip));
  const meter = new LoadMeter();
  const latencies = new Samples();
  const launchDelays = new Samples();
  const errors: Record<string, number> = {};
  const decoded: Record<string, number> = {};
  const locked = new Set<string>();
  let next = 0;
  let rr = 0;
  let inFlight = 0;
  let started = 0;
  let skipped = 0;
  let lastEnd = 0;
  let exhausted = false;

  const byCount = phase.warmupCalls !== undefined;
  const t0 = performance.now();
  let measureStart = byCount ? Infinity : t0 + phase.warmupMs;
  const measureEnd = byCount ? t0 + phase.warmupMs + phase.durationMs : measureStart + phase.durationMs;
  let measuring = false;
  let stopped = false;
  const startMeasuring = () => {
    if (measuring) return;
    measuring = true;
    if (byCount) measureStart = performance.now();
    meter.reset();
    send({ type: "measuring" });
  };

  const pick = (): PreparedCall | undefined => {
    for (let tries = 0; tries < calls.length; tries++) {
      if (!phase.cycle && next >= calls.length) {
        exhausted = true;
        return undefined;
      }
      const c = calls[next % calls.length]!;
      next++;
      if (!c.lock || !locked.has(c.lock)) return c;
    }
    return undefined;
  };

  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const maybeFinish = () => {
    if ((stopped || exhausted) && inFlight === 0) finish();
  };

  /** Runs one call; `scheduled` is when it should have started (open loop), else now. */
  const launch = async (c: PreparedCall, scheduled?: number) => {
    inFlight++;
    if (c.lock) locked.add(c.lock);
    try {
      if (c.flush && c.flush.length > 0) {
        try {
          await redis!.del(...c.flush);
        } catch {
          errors["flush-failed"] = (errors["flush-failed"] ?? 0) + 1;
          return;
        }
      }
      const start = scheduled ?? performance.now();
      const n = started++;
      if (byCount && n === phase.warmupCalls) startMeasuring();
      const counted = byCount ? n >= phase.warmupCalls! : start >= measureStart && start < measureEnd;
      const decode = phase.decodeEvery > 0 && n % phase.decodeEvery === 0;
      if (counted && scheduled !== undefined) launchDelays.push(performance.now() - scheduled);
      const answer = await call(sessions[rr++ % sessions.length]!, c, decode);
      const end = performance.now();
      if (counted) {
        latencies.push(end - start);
        lastEnd = Math.max(lastEnd, end);
        if (answer.status !== "0") errors[answer.status] = (errors[answer.status] ?? 0) + 1;
        if (decode) {
          const key = describeRecommendations(answer);
          decoded[key] = (decoded[key] ?? 0) + 1;
        }
      }
    } finally {
      inFlight--;
      if (c.lock) locked.delete(c.lock);
    }
  };

  const tick = () => {
    const now = performance.now();
    if (!measuring && now >= measureStart) startMeasuring();
    if (now >= measureEnd && !stopped) {
      stopped = true;
      send({ type: "measured" });
    }
  };
  const clock = setInterval(tick, 5);

  if (phase.mode.type === "closed") {
    const loop = async () => {
      for (;;) {
        tick();
        if (stopped) break;
        const c = pick();
        if (!c) break;
        await launch(c);
      }
      maybeFinish();
    };
    for (let k = 0; k < phase.mode.concurrency; k++) void loop();
  } else {
    const { rate, maxInFlight } = phase.mode;
    const interval = 1000 / rate;
    let i = 0;
    const pump = () => {
      tick();
      const now = performance.now();
      while (!stopped && !exhausted && t0 + i * interval <= now) {
        const scheduled = t0 + i * interval;
        i++;
        if (inFlight >= maxInFlight) {
          if (scheduled >= measureStart) skipped++;
          continue;
        }
        const c = pick();
        if (!c) break;
        void launch(c, scheduled).then(maybeFinish);
      }
      if (stopped || exhausted) maybeFinish();
      else setTimeout(pump, 1);
    };
    pump();
  }
  await finished;
  clearInterval(clock);
  if (!measuring) startMeasuring();
  const loadgen = meter.read();
  if (!stopped) send({ type: "measured" });
  for (const s of sessions) s.close();
  redis?.disconnect();
  const seconds = Math.max(1e-3, (lastEnd - measureStart) / 1000);
  return {
    kind: "unary",
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    latencyMs: summarize(latencies.values()),
    errors,
    decoded,
    skipped,
    ...(phase.mode.type === "open" && launchDelays.length > 0 ? { launchDelayMs: summarize(launchDelays.values()) } : {}),
    loadgen,
  };
}

/** Opens WatchRecommendations streams and times the first message and the first READY list. */
async function runWatch(phase: WatchPhase): Promise<WatchResult> {
  const [session] = await connect(phase.port, 1);
  const calls = phase.calls.map((c) => prepare(c, false));
  const first = new Samples();
  const ready = new Samples();
  const firstStatus: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let timeouts = 0;
  let next = 0;
  send({ type: "measuring" });

  const one = (c: PreparedCall) =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const stream = session!.request(c.headers, { endStream: false });
      let buffer = Buffer.alloc(0);
      let sawFirst = false;
      let done = false;
      let status: string | undefined;
      const end = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
        resolve();
      };
      const timer = setTimeout(() => {
        timeouts++;
        end();
      }, phase.timeoutMs);
      stream.on("response", (headers) => {
        const s = headers["grpc-status"];
        if (s !== undefined) status = String(s);
      });
      stream.on("data", (chunk: Buffer) => {
        const split = splitFrames(buffer.length > 0 ? Buffer.concat([buffer, chunk]) : chunk);
        buffer = Buffer.from(split.rest);
        for (const frame of split.frames) {
          const msg = fromBinary(WatchRecommendationsResponseSchema, frame.compressed ? gunzipSync(frame.message) : frame.message);
          const at = performance.now() - start;
          if (!sawFirst) {
            sawFirst = true;
            first.push(at);
            const name = RecommendationStatus[msg.status] ?? String(msg.status);
            firstStatus[name] = (firstStatus[name] ?? 0) + 1;
          }
          if (msg.status === RecommendationStatus.READY) {
            ready.push(at);
            end();
            return;
          }
        }
      });
      stream.on("trailers", (trailers) => {
        const s = trailers["grpc-status"];
        if (s !== undefined) status = String(s);
      });
      stream.on("error", () => {});
      stream.on("close", () => {
        if (!done) {
          const key = status ?? `http-${stream.rstCode ?? "closed"}`;
          errors[key] = (errors[key] ?? 0) + 1;
        }
        end();
      });
      stream.write(c.frame);
      stream.end();
    });

  const loop = async () => {
    while (next < calls.length) await one(calls[next++]!);
  };
  await Promise.all(Array.from({ length: phase.concurrency }, loop));
  send({ type: "measured" });
  session!.close();
  return {
    kind: "watch",
    streams: calls.length,
    firstMs: summarize(first.values()),
    readyMs: summarize(ready.values()),
    firstStatus,
    timeouts,
    errors,
  };
}

process.on("message", (message: ToLoadgen) => {
  if (message.type === "exit") process.exit(0);
  const phase = message.phase;
  const run: Promise<PhaseResult> = phase.kind === "unary" ? runUnary(phase) : runWatch(phase);
  run.then(
    (result) => send({ type: "result", result }),
    (err: unknown) => send({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
send({ type: "ready" });
