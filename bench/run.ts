/**
 * `npm run bench [-- --quick] [--only ceiling,cache,database,miss,writes,worker] [--out FILE] [--profile]`
 *
 * The speed benchmark of issue 7 (see bench/README.md): the API in production mode (Postgres, Redis,
 * worker processes) with the load generator in its own process, gRPC over HTTP/2 cleartext on
 * loopback, fixed concurrency levels, a warm-up before counting, and every phase bounded in time.
 * Prints a table and writes bench/results/<timestamp>.json. Never a test: CI runs `--quick` only to
 * keep the script working (test/bench/), with no assertion on any figure.
 */
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Redis } from "ioredis";
import { AuthService } from "../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { UserService } from "../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { CONTENT_KINDS } from "../server/domain/content/kinds.js";
import { ceilingCalls, freshTargets, listCalls, missCalls, watchCalls, writeCalls, type BenchUser } from "./calls.js";
import { cpuSeconds, LoadGenerator, measured, parseEnvPairs, ROOT, rssBytes, startService, TSX, type Child } from "./processes.js";
import { formatProfile, summarizeProfile } from "./profile-summary.js";
import type { CallSpec, UnaryPhase, UnaryResult, WatchResult } from "./protocol.js";
import { evaluateGoals, formatTable, type BenchResults, type LoadRow, type MissSection, type RequestSection, type WorkerSizeResult } from "./report.js";
import { createBenchDatabase, seedCatalog, seedInteractions, seedUsersDirectly, storedListCount, storedModels, syntheticProfiles, type SeededCatalog } from "./seed.js";
import { heapFloors, sleep } from "./stats.js";
import type { WorkerBenchInput, WorkerBenchResult } from "./worker-bench.js";

const SECTIONS = ["ceiling", "cache", "database", "miss", "writes", "worker"] as const;
type Section = (typeof SECTIONS)[number];
const REQUEST_SECTIONS: readonly Section[] = ["ceiling", "cache", "database", "miss", "writes"];
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
/** log2 of scrypt's N for the bench's registrations (production: 17); only Register pays it, never a measured call. */
const SCRYPT_LOG_N = 12;

interface Settings {
  readonly mode: "quick" | "full";
  /** Items in the request-path catalog, in total (a quarter per type). */
  readonly catalogItems: number;
  readonly users: number;
  readonly interactionsPerUser: number;
  readonly workers: number;
  readonly connections: number;
  readonly levels: number[];
  readonly writeLevels: number[];
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly halfLoadMs: number;
  readonly readyStreams: number;
  readonly readyConcurrency: number;
  readonly missWarmup: number;
  readonly missCalls: number;
  readonly missConcurrency: number;
  readonly writePool: number;
  readonly workerSizes: number[];
  readonly workerUsers: number;
  readonly workerInteractionsPerUser: number;
  readonly workerTimedUsers: number;
  readonly workerWarmupUsers: number;
  readonly setupTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly acceptGzip: boolean;
}

const FULL: Settings = {
  mode: "full",
  catalogItems: 100_000,
  users: 200,
  interactionsPerUser: 40,
  workers: 2,
  connections: 4,
  levels: [1, 8, 32, 128],
  writeLevels: [1, 8, 32],
  warmupMs: 2_000,
  durationMs: 5_000,
  halfLoadMs: 8_000,
  readyStreams: 40,
  readyConcurrency: 2,
  missWarmup: 100,
  missCalls: 600,
  missConcurrency: 16,
  writePool: 4_000,
  workerSizes: [10_000, 100_000, 1_000_000],
  workerUsers: 2_000,
  workerInteractionsPerUser: 20,
  workerTimedUsers: 100,
  workerWarmupUsers: 10,
  setupTimeoutMs: 300_000,
  drainTimeoutMs: 180_000,
  acceptGzip: true,
};

const QUICK: Settings = {
  ...FULL,
  mode: "quick",
  catalogItems: 4_000,
  users: 12,
  interactionsPerUser: 20,
  workers: 1,
  connections: 2,
  levels: [16],
  writeLevels: [16],
  warmupMs: 400,
  durationMs: 1_200,
  halfLoadMs: 1_200,
  readyStreams: 4,
  readyConcurrency: 2,
  missWarmup: 10,
  missCalls: 50,
  missConcurrency: 8,
  writePool: 500,
  workerSizes: [4_000],
  workerUsers: 60,
  workerInteractionsPerUser: 12,
  workerTimedUsers: 6,
  workerWarmupUsers: 2,
  setupTimeoutMs: 60_000,
  drainTimeoutMs: 30_000,
};

const USAGE = `usage: npm run bench -- [--quick] [--only ${SECTIONS.join(",")}] [--out FILE] [--profile]
       [--catalog N] [--sizes N,N,...] [--levels C,C,...] [--duration MS] [--workers N] [--connections N] [--no-gzip]`;

interface Options {
  readonly settings: Settings;
  readonly only: ReadonlySet<Section>;
  readonly out: string | undefined;
  readonly profile: boolean;
  /** BENCH_SERVER_ENV: settings added to the API server's environment (recorded with the results). */
  readonly serverEnv: Readonly<Record<string, string>>;
}

function parseArgs(argv: string[]): Options {
  let settings: Settings = argv.includes("--quick") ? QUICK : FULL;
  let only = new Set<Section>(SECTIONS);
  let out: string | undefined;
  let profile = false;
  const numbers = (v: string | undefined, name: string) => {
    const list = (v ?? "").split(",").map((x) => Number(x.replace(/_/g, "")));
    if (list.length === 0 || list.some((x) => !Number.isInteger(x) || x <= 0)) fail(`${name} takes positive integers, got ${v}`);
    return list;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => argv[++i];
    switch (a) {
      case "--quick":
        break;
      case "--only": {
        const names = (value() ?? "").split(",").filter(Boolean);
        const bad = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
        if (bad.length > 0 || names.length === 0) fail(`--only takes ${SECTIONS.join(", ")}; got ${bad.join(", ") || "nothing"}`);
        only = new Set(names as Section[]);
        break;
      }
      case "--out":
        out = value();
        break;
      case "--profile":
        profile = true;
        break;
      case "--catalog":
        settings = { ...settings, catalogItems: numbers(value(), a)[0]! };
        break;
      case "--sizes":
        settings = { ...settings, workerSizes: numbers(value(), a) };
        break;
      case "--levels":
        settings = { ...settings, levels: numbers(value(), a), writeLevels: numbers(argv[i], a) };
        break;
      case "--duration":
        settings = { ...settings, durationMs: numbers(value(), a)[0]! };
        break;
      case "--workers":
        settings = { ...settings, workers: numbers(value(), a)[0]! };
        break;
      case "--connections":
        settings = { ...settings, connections: numbers(value(), a)[0]! };
        break;
      case "--no-gzip":
        settings = { ...settings, acceptGzip: false };
        break;
      case "--help":
      case "-h":
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        fail(`unknown argument ${a}`);
    }
  }
  // Ratios need the ceiling of the same run (but a profile should hold only the section asked for).
  if (!profile && REQUEST_SECTIONS.some((s) => s !== "ceiling" && only.has(s))) only.add("ceiling");
  return { settings, only, out, profile, serverEnv: extraServerEnv() };
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/**
 * `BENCH_SERVER_ENV="NAME=value NAME=value"`: settings added to the API server's environment, to
 * compare one setting across runs (e.g. RECOMMENDATION_MEMO_LISTS=0).
 */
function extraServerEnv(): Record<string, string> {
  let env: Record<string, string> = {};
  try {
    env = parseEnvPairs(process.env.BENCH_SERVER_ENV ?? "");
  } catch (err) {
    fail(`BENCH_SERVER_ENV: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (Object.keys(env).length > 0) log(`server environment adds ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  return env;
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Undo steps run in reverse order at the end, also after a failure or Ctrl-C. */
class Cleanup {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];
  private running: Promise<void> | undefined;

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
        } catch (err) {
          log(`cleanup: ${step.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return this.running;
  }
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.setTimeout(2_000, () => req.destroy(new Error("timeout")));
  });
}

/** `nodejs_heap_size_used_bytes` from the server's Prometheus endpoint (undefined if it does not answer). */
async function heapUsedBytes(port: number): Promise<number | undefined> {
  const { body } = await httpGet(`http://127.0.0.1:${port}/metrics`);
  const m = /^nodejs_heap_size_used_bytes\s+([\d.e+]+)/m.exec(body);
  return m ? Number(m[1]) : undefined;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, everyMs = 250): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return (performance.now() - start) / 1000;
    if (performance.now() - start > timeoutMs) throw new Error(`${what}: not done within ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

async function parallel<T, R>(items: readonly T[], concurrency: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await run(items[i]!, i);
      }
    }),
  );
  return out;
}

const mb = (bytes: number | undefined) => (bytes === undefined ? undefined : Math.round((bytes / 2 ** 20) * 10) / 10);

/** Deletes every key matching `pattern` for which `keep` is false (SCAN, never KEYS). */
async function deleteKeys(redis: Redis, pattern: string, select: (key: string) => boolean = () => true): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    const mine = keys.filter(select);
    if (mine.length > 0) deleted += await redis.del(...mine);
    cursor = next;
  } while (cursor !== "0");
  return deleted;
}

/** The pid of the Redis server, when it runs on this machine where /proc can see it. */
async function redisPid(redis: Redis): Promise<number | undefined> {
  const info = await redis.info("server");
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  return pid > 0 && cpuSeconds(pid) !== undefined ? pid : undefined;
}

/** Scans a log file for warnings and errors without parsing every line. */
async function logWarnings(file: string): Promise<{ bytes: number; warnings: number; samples: string[] }> {
  let bytes = 0;
  try {
    bytes = statSync(file).size;
  } catch {
    return { bytes, warnings: 0, samples: [] };
  }
  let warnings = 0;
  const samples: string[] = [];
  const lines = createInterface({ input: createReadStream(file) });
  for await (const line of lines) {
    if (!/"level":(4|5|6)0/.test(line)) continue;
    warnings++;
    if (samples.length < 20) samples.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
  }
  return { bytes, warnings, samples };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (signal: string) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: cleaning up (again to exit at once)`);
    void cleanup.run().then(() => process.exit(130));
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  try {
    await bench(options, cleanup);
  } finally {
    await cleanup.run();
  }
}

async function bench(options: Options, cleanup: Cleanup): Promise<void> {
  const s = options.settings;
  const started = new Date();
  const runId = `${started.toISOString().replace(/[:.]/g, "-")}-${randomBytes(2).toString("hex")}`;
  const prefix = `stuckai-bench-${runId.toLowerCase()}`;
  const results: BenchResults = {
    version: 1,
    mode: s.mode,
    argv: process.argv.slice(2),
    startedAt: started.toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "", memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverageStart: os.loadavg() },
    settings: {
      ...s,
      sections: [...options.only],
      catalogPerType: Math.floor(s.catalogItems / CONTENT_KINDS.length),
      scryptLogN: SCRYPT_LOG_N,
      protocol: "gRPC over HTTP/2 cleartext (h2c), loopback",
      server: "node --import tsx server/main.ts, NODE_ENV=production, LOG_LEVEL=info to a file, rate limiting on (Redis)",
      serverEnv: options.serverEnv,
      queuePrefix: prefix,
    },
    notes: [
      "Catalog sizes are totals over the four content types, a quarter of each type.",
      `SCRYPT_LOG_N=${SCRYPT_LOG_N} (production default 17) only speeds up seeding (Register); no measured call hashes a password.`,
      "RATE_LIMIT_DEFAULT is 1e9 so the bench is never refused, but the limiter runs (a Redis Lua call per RPC).",
      "ACCESS_TOKEN_TTL_SECONDS=86400 so tokens outlive the run; authentication still checks the JWT (its expiry, for a token verified before) and the account (its presence mark in Redis) on every call.",
      `Shared ${os.cpus().length}-core machine: server, workers, load generator, Postgres and Redis compete for the same cores, with other work running; figures are noisy (see the machine column).`,
    ],
    setup: {},
    sections: {},
  };
  const outDir = path.join(ROOT, "bench", "results");
  const outFile = options.out ?? path.join(outDir, `${runId}.json`);
  const wants = (section: Section) => options.only.has(section);
  log(`${s.mode} run ${runId}: ${[...options.only].join(", ")}`);

  const profileDir = options.profile ? path.join(outDir, `profile-${runId}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  if (REQUEST_SECTIONS.some(wants)) await requestPath(options, results, prefix, cleanup, profileDir);
  if (wants("worker")) await workerSection(s, results, cleanup, profileDir);

  results.finishedAt = new Date().toISOString();
  results.machine.loadAverageEnd = os.loadavg();
  results.goals = evaluateGoals(results);
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `StuckAI bench (${s.mode}) ${results.startedAt}: ` +
      (REQUEST_SECTIONS.some(wants)
        ? `${s.catalogItems} items (${Math.floor(s.catalogItems / 4)} per type), ${s.users} users, ${s.workers} worker process(es), ` +
          `gRPC over h2c, ${s.connections} connections, ${s.acceptGzip ? "gzip accepted" : "no compression"}; `
        : "") +
      `${results.machine.cpus} cores, load average ${results.machine.loadAverageStart.map((x) => x.toFixed(1)).join(" ")} at start, ` +
      `${(results.machine.loadAverageEnd ?? []).map((x) => x.toFixed(1)).join(" ")} at the end (a shared machine: figures are noisy)`,
  );
  console.log(formatTable(results));
  if (results.server?.profile) console.log(`\n${formatProfile(results.server.profile as ReturnType<typeof summarizeProfile>)}`);
  console.log(`\nresults: ${path.relative(process.cwd(), outFile) || outFile}`);
}

async function requestPath(options: Options, results: BenchResults, prefix: string, cleanup: Cleanup, profileDir: string | undefined): Promise<void> {
  const s = options.settings;
  const wants = (section: Section) => options.only.has(section);
  const now = new Date();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  cleanup.add("redis connection", async () => redis.disconnect());
  cleanup.add("redis keys of the run", async () => {
    const n = await deleteKeys(redis, `${prefix}:*`);
    log(`deleted ${n} queue and rate-limit keys under ${prefix}:`);
  });

  let t = performance.now();
  const db = await createBenchDatabase("api");
  cleanup.add(`drop database ${db.name}`, () => db.drop());
  const catalog = await seedCatalog(db.url, s.catalogItems, now);
  results.setup.seedCatalogSeconds = (performance.now() - t) / 1000;
  log(`seeded ${s.catalogItems} items in ${results.setup.seedCatalogSeconds.toFixed(1)} s (${db.name})`);

  const logDir = mkdtempSync(path.join(os.tmpdir(), "stuckai-bench-"));
  cleanup.add("log directory", async () => {
    // Kept after a failure: the services' logs say what went wrong.
    if (results.finishedAt && !process.env.BENCH_KEEP_LOGS) rmSync(logDir, { recursive: true, force: true });
    else log(`logs kept in ${logDir}`);
  });
  const baseEnv = {
    NODE_ENV: "production",
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: "info",
  };
  const serverLog = path.join(logDir, "server.log");
  const { service: server, port } = await startLogged(
    "server",
    "server/main.ts",
    serverLog,
    {
      ...baseEnv,
      PORT: "0",
      HOST: "127.0.0.1",
      JWT_SECRET: randomBytes(48).toString("base64"),
      ACCESS_TOKEN_TTL_SECONDS: "86400",
      SCRYPT_LOG_N: String(SCRYPT_LOG_N),
      RATE_LIMIT_DEFAULT: "1000000000",
      RATE_LIMITS: "Login=1000000000,Register=1000000000",
      RATE_LIMIT_KEY_PREFIX: `${prefix}:ratelimit:`,
      IN_PROCESS_JOBS: "off",
      STARTER_CATALOG: "off",
      BENCH_CEILING: "true",
      ...options.serverEnv,
    },
    "/ready",
    profileDir ? ["--cpu-prof", "--cpu-prof-dir", path.join(profileDir, "server")] : [],
  );
  cleanup.add("stop server", () => server.stop());
  const rssSeries: [number, number][] = [];
  const heapSeries: [number, number][] = [];
  const serverStart = performance.now();
  const listening = rssBytes(server.pid);
  const sampler = setInterval(() => {
    const at = Math.round((performance.now() - serverStart) / 1000);
    const r = rssBytes(server.pid);
    if (r !== undefined) rssSeries.push([at, mb(r)!]);
    // The V8 heap in use, from the server's own /metrics: RSS keeps what the heap grew to, the heap's
    // floor says whether anything is kept.
    heapUsedBytes(port).then((h) => h !== undefined && heapSeries.push([at, mb(h)!]), () => undefined);
  }, 1_000);
  cleanup.add("rss sampler", async () => clearInterval(sampler));

  // Users: registered over RPC (that is where their tokens come from), then interactions inserted directly.
  t = performance.now();
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` });
  const auth = createClient(AuthService, transport);
  const userClient = createClient(UserService, transport);
  const profiles = syntheticProfiles(catalog, s.users);
  const accounts = await parallel(profiles, 8, async (_p, i) => {
    const res = await auth.register({ email: `bench-${i}-${prefix}@example.com`, password: "bench password 42", displayName: `Bench ${i}` });
    return { id: res.user!.id, token: res.tokens!.accessToken };
  });
  const users: BenchUser[] = accounts.map((a, i) => ({ ...a, latitude: profiles[i]!.latitude, longitude: profiles[i]!.longitude }));
  const userIds = new Set(users.map((u) => u.id));
  cleanup.add("redis keys of the bench users", async () => {
    const mine = (key: string) => userIds.has(key.split(":")[1] ?? "");
    const n = (await deleteKeys(redis, "prefetch:*", mine)) + (await deleteKeys(redis, "user:*", mine)) + (await deleteKeys(redis, "account:*", mine));
    log(`deleted ${n} cache keys of the bench users`);
  });
  results.setup.registerSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const interactions = await seedInteractions(db.url, catalog, [...userIds], s.interactionsPerUser, now);
  results.setup.interactions = interactions;
  results.setup.seedInteractionsSeconds = (performance.now() - t) / 1000;
  log(`registered ${users.length} users in ${results.setup.registerSeconds.toFixed(1)} s, ${interactions} interactions`);

  // Workers start after the data is in: they index the catalog and train item similarity at start.
  t = performance.now();
  const workers: Child[] = [];
  for (let w = 0; w < s.workers; w++) {
    const { service: worker } = await startLogged(`worker-${w + 1}`, "worker/main.ts", path.join(logDir, `worker-${w + 1}.log`), { ...baseEnv, WORKER_HTTP_PORT: "0" }, "/health");
    cleanup.add(`stop worker ${w + 1}`, () => worker.stop());
    workers.push(worker);
  }
  // A profile change queues refresh-user: the workers make all four lists of every user.
  await parallel(users, 8, (u, i) =>
    userClient.updateProfile(
      { profile: { location: { latitude: u.latitude, longitude: u.longitude }, interests: profiles[i]!.interests, keywords: profiles[i]!.keywords, archetypes: profiles[i]!.archetypes } },
      { headers: { authorization: `Bearer ${u.token}` } },
    ),
  );
  results.setup.initialListsSeconds = await waitFor("the users' first lists", s.setupTimeoutMs, async () => (await storedListCount(db.url, [...userIds])) >= users.length * 4, 500);
  results.setup.similarityModelSeconds = await waitFor("the item-similarity model", s.setupTimeoutMs, async () => (await storedModels(db.url)).length > 0, 500);
  results.setup.workersReadySeconds = (performance.now() - t) / 1000;
  log(`workers made ${users.length * 4} lists in ${results.setup.initialListsSeconds.toFixed(1)} s`);

  const loadgen = await LoadGenerator.start();
  cleanup.add("stop load generator", () => loadgen.stop());
  const pids = new Map<string, number>([["server", server.pid], ...workers.map((w) => [w.name, w.pid] as [string, number])]);
  const rp = await redisPid(redis).catch(() => undefined);
  if (rp) pids.set("redis", rp);
  const beforeLoad = rssBytes(server.pid);
  const loadStartedAt = performance.now();
  const workersBefore = workers.map((w) => mb(rssBytes(w.pid)) ?? 0);

  // The counted windows of every phase, on the profile's clock: the profile summary keeps only them.
  const windows: [number, number][] = [];
  const measure = async (phase: UnaryPhase) => {
    const m = await measured(loadgen, phase, pids);
    windows.push(m.window);
    return m;
  };
  const unary = (calls: CallSpec[], rest: Partial<UnaryPhase> & Pick<UnaryPhase, "mode">): UnaryPhase => ({
    kind: "unary",
    port,
    connections: s.connections,
    calls,
    cycle: true,
    warmupMs: s.warmupMs,
    durationMs: s.durationMs,
    acceptGzip: s.acceptGzip,
    // Enough answers decoded to show where they came from, few enough to cost the load generator nothing.
    decodeEvery: s.mode === "quick" ? 5 : 97,
    redisUrl: REDIS_URL,
    ...rest,
  });
  const ceilingAt = new Map<number, number>();
  const runLevels = async (name: Section, calls: CallSpec[], levels: number[], extra: Partial<UnaryPhase> = {}): Promise<RequestSection> => {
    const rows: LoadRow[] = [];
    for (const c of levels) {
      const { result, cpu } = await measure(unary(calls, { mode: { type: "closed", concurrency: c }, ...extra }));
      const r = result as UnaryResult;
      if (name === "ceiling") ceilingAt.set(c, r.rps);
      const ceiling = ceilingAt.get(c);
      rows.push({ load: `c=${c}`, concurrency: c, result: r, cpu, ...(name !== "ceiling" && ceiling ? { ratioToCeiling: r.rps / ceiling } : {}) });
      log(`${name} c=${c}: ${r.rps.toFixed(0)} req/s, p99 ${r.latencyMs.p99.toFixed(2)} ms`);
      await sleep(300);
    }
    const best = rows.reduce<LoadRow | undefined>((a, b) => (!a || b.result.rps > a.result.rps ? b : a), undefined);
    return { rows, ...(best ? { maxRps: best.result.rps, maxAtConcurrency: best.concurrency! } : {}) };
  };
  const withRatio = (sec: RequestSection): RequestSection => {
    const ceiling = results.sections.ceiling?.maxRps;
    return ceiling && sec.maxRps ? { ...sec, ratioToCeiling: sec.maxRps / ceiling } : sec;
  };
  const openLoop = async (name: string, load: string, calls: CallSpec[], rate: number): Promise<LoadRow> => {
    const { result, cpu } = await measure(
      unary(calls, { mode: { type: "open", rate, maxInFlight: 4096 }, warmupMs: Math.min(1_000, s.warmupMs), durationMs: s.halfLoadMs }),
    );
    const r = result as UnaryResult;
    log(`${name} ${load}: p99 ${r.latencyMs.p99.toFixed(2)} ms`);
    await sleep(300);
    return { load, rate, result: r, cpu };
  };
  // The same open loop against the bare ceiling handler: the tail the server's protocol stack and this
  // machine have at that rate before any of the request path runs. The half-load p99s read against it.
  const ceilingAtRate = (name: string, rate: number) => openLoop(name, `ceiling ${rate}/s`, ceilingCalls(), rate);
  const halfLoad = async (name: string, calls: CallSpec[], maxRps: number): Promise<Pick<RequestSection, "halfLoad" | "ceilingAtHalfLoad">> => {
    const rate = Math.max(1, Math.round(maxRps / 2));
    return { halfLoad: await openLoop(name, `open ${rate}/s`, calls, rate), ceilingAtHalfLoad: await ceilingAtRate(name, rate) };
  };

  if (wants("ceiling")) results.sections.ceiling = await runLevels("ceiling", ceilingCalls(), s.levels);
  if (wants("cache")) {
    const calls = listCalls(users, CONTENT_KINDS, false);
    // Every list read once, uncounted: a first hit decodes and encodes the list (a repeated one
    // reuses both), and on a slow machine a time-bounded warm-up did not reach every list, so c=1
    // measured a mix of first and repeated hits that depended on the machine's speed.
    const t = performance.now();
    await measured(loadgen, unary(calls, { mode: { type: "closed", concurrency: 8 }, cycle: false, warmupMs: 0, durationMs: s.setupTimeoutMs }), pids);
    log(`cache: every list read once (${calls.length} calls, uncounted) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const sec = withRatio(await runLevels("cache", calls, s.levels));
    results.sections.cache = { ...sec, ...(sec.maxRps ? await halfLoad("cache", calls, sec.maxRps) : {}) };
  }
  if (wants("database")) {
    const calls = listCalls(users, CONTENT_KINDS, true);
    // One call per user at a time (the flush and the read must not interleave with another call of the user).
    const levels = s.levels.map((c) => Math.min(c, users.length));
    const sec = withRatio(await runLevels("database", calls, [...new Set(levels)]));
    results.sections.database = { ...sec, ...(sec.maxRps ? await halfLoad("database", calls, sec.maxRps) : {}) };
  }
  if (wants("miss")) {
    const sec = await missSection(s, port, loadgen, measure, unary, catalog, users, redis, prefix, results);
    results.sections.miss = { ...sec, ...(sec.halfLoad?.rate ? { ceilingAtHalfLoad: await ceilingAtRate("miss", sec.halfLoad.rate) } : {}) };
  }
  if (wants("writes")) {
    const itemIds = CONTENT_KINDS.flatMap((k) => catalog.byType[k].slice(0, 500).map((i) => i.id));
    results.sections.writes = withRatio(await runLevels("writes", writeCalls(users, itemIds, s.writePool), s.writeLevels, { decodeEvery: 0 }));
  }

  const end = rssBytes(server.pid);
  const workersEnd = workers.map((w) => mb(rssBytes(w.pid)) ?? 0);
  clearInterval(sampler);
  const loadStart = (loadStartedAt - serverStart) / 1000;
  const underLoad = rssSeries.filter(([t]) => t >= loadStart).map(([, v]) => v);
  await loadgen.stop();
  for (const w of workers) await w.stop();
  await server.stop();
  const warnings = await logWarnings(serverLog);
  const workerWarnings = await Promise.all(workers.map((w) => logWarnings(path.join(logDir, `${w.name}.log`))));
  results.server = {
    rssMb: {
      listening: mb(listening),
      beforeLoad: mb(beforeLoad),
      end: mb(end),
      ...(underLoad.length > 0 ? { minUnderLoad: Math.min(...underLoad), maxUnderLoad: Math.max(...underLoad) } : {}),
      ...(beforeLoad && end ? { growth: end / beforeLoad - 1 } : {}),
    },
    workersRssMb: { beforeLoad: workersBefore, end: workersEnd },
    rssSeries,
    heapUsedMb: heapFloors(heapSeries.filter(([t]) => t >= loadStart)),
    heapSeries,
    logBytes: warnings.bytes,
    warnings: warnings.warnings + workerWarnings.reduce((a, w) => a + w.warnings, 0),
    warningSamples: [...warnings.samples, ...workerWarnings.flatMap((w, i) => w.samples.map((x) => `worker-${i + 1}: ${x}`))],
  };
  if (profileDir) {
    const file = mainThreadProfile(path.join(profileDir, "server"));
    if (file) {
      results.server.profileWindows = windows;
      results.server.profile = summarizeProfile(file, 25, windows);
      log(`server CPU profile: ${file}`);
    }
  }
  results.setup.serverSeconds = (performance.now() - serverStart) / 1000;
}

/**
 * Misses: fresh (user, cell) targets for places and events. First the time until the list is READY on
 * WatchRecommendations (few streams, idle queue), then the GENERATING answer at a fixed concurrency and
 * at half of that throughput (both count-bounded, since every miss queues a job), then the wait until
 * the workers have made every list the misses asked for.
 */
async function missSection(
  s: Settings,
  port: number,
  loadgen: LoadGenerator,
  measure: (phase: UnaryPhase) => ReturnType<typeof measured>,
  unary: (calls: CallSpec[], rest: Partial<UnaryPhase> & Pick<UnaryPhase, "mode">) => UnaryPhase,
  catalog: SeededCatalog,
  users: BenchUser[],
  redis: Redis,
  prefix: string,
  results: BenchResults,
): Promise<MissSection> {
  const per = s.missWarmup + s.missCalls;
  const targets = freshTargets(users, catalog.cities, s.readyStreams + 2 * per);
  const ready = (await loadgen.run({ kind: "watch", port, calls: watchCalls(targets.slice(0, s.readyStreams)), concurrency: s.readyConcurrency, timeoutMs: 15_000 })) as WatchResult;
  log(`miss → READY: p50 ${ready.readyMs.p50.toFixed(0)} ms, p99 ${ready.readyMs.p99.toFixed(0)} ms, ${ready.timeouts} timeouts`);
  const answerCalls = missCalls(targets.slice(s.readyStreams, s.readyStreams + per));
  const bounded = { cycle: false, warmupCalls: s.missWarmup, durationMs: 60_000, decodeEvery: 1 } as const;
  const closed = await measure(unary(answerCalls, { mode: { type: "closed", concurrency: s.missConcurrency }, ...bounded }));
  const r = closed.result as UnaryResult;
  const ceiling = results.sections.ceiling?.rows.find((x) => x.concurrency === s.missConcurrency)?.result.rps;
  const row: LoadRow = { load: `c=${s.missConcurrency}`, concurrency: s.missConcurrency, result: r, cpu: closed.cpu, ...(ceiling ? { ratioToCeiling: r.rps / ceiling } : {}) };
  log(`miss c=${s.missConcurrency}: ${r.rps.toFixed(0)} req/s, p99 ${r.latencyMs.p99.toFixed(2)} ms`);
  const rate = Math.max(1, Math.round(r.rps / 2));
  const open = await measure(unary(missCalls(targets.slice(s.readyStreams + per)), { mode: { type: "open", rate, maxInFlight: 4096 }, ...bounded }));
  const half: LoadRow = { load: `open ${rate}/s`, rate, result: open.result as UnaryResult, cpu: open.cpu };
  log(`miss open loop at ${rate}/s: p99 ${half.result.latencyMs.p99.toFixed(2)} ms`);
  // Every GENERATING answer queued a job; wait for the workers to make those lists.
  const t = performance.now();
  let complete = true;
  try {
    await waitFor("the generate jobs the misses queued", s.drainTimeoutMs, async () => {
      const [waiting, active] = await Promise.all([redis.llen(`${prefix}:generate:waiting`), redis.llen(`${prefix}:generate:active`)]);
      return waiting + active === 0;
    });
  } catch {
    complete = false;
  }
  const seconds = (performance.now() - t) / 1000;
  // One job per miss: every target is asked once, in one of the two runs.
  const jobs = 2 * per;
  const ceilingMax = results.sections.ceiling?.maxRps;
  return {
    rows: [row],
    maxRps: r.rps,
    maxAtConcurrency: s.missConcurrency,
    ...(ceilingMax ? { ratioToCeiling: r.rps / ceilingMax } : {}),
    halfLoad: half,
    ready: { concurrency: s.readyConcurrency, result: ready },
    drain: { jobs, seconds, complete },
  };
}

/**
 * Starts a service on port 0 with its stdout and stderr in `logFile` (written by the service itself,
 * never read by this process while it runs), takes the port from its "listening" log line, and
 * waits for `readyPath` on that port to answer 200.
 */
async function startLogged(
  name: string,
  entry: string,
  logFile: string,
  env: Record<string, string>,
  readyPath: string,
  execArgv: string[] = [],
): Promise<{ service: Child; port: number }> {
  const fd = openSync(logFile, "w");
  let port: number | undefined;
  try {
    const service = await startService(name, entry, env, {
      execArgv,
      output: fd,
      ready: async () => {
        port ??= listeningPort(logFile);
        return port !== undefined && (await httpGet(`http://127.0.0.1:${port}${readyPath}`)).status === 200;
      },
    });
    return { service, port: port! };
  } finally {
    closeSync(fd);
  }
}

function listeningPort(logFile: string): number | undefined {
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    if (!line.includes('"listening"')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; port?: unknown };
      if (entry.msg === "listening" && typeof entry.port === "number") return entry.port;
    } catch {
      /* a partial line */
    }
  }
  return undefined;
}

/** Section 6: one worker process per catalog size, against its own seeded database. */
async function workerSection(s: Settings, results: BenchResults, cleanup: Cleanup, profileDir: string | undefined): Promise<void> {
  const sizes: WorkerSizeResult[] = [];
  const now = new Date();
  for (const size of s.workerSizes) {
    let t = performance.now();
    const db = await createBenchDatabase(`w${size}`);
    cleanup.add(`drop database ${db.name}`, () => db.drop());
    let catalog: SeededCatalog | undefined = await seedCatalog(db.url, size, now, 31);
    const profiles = syntheticProfiles(catalog, s.workerUsers, 37);
    const ids = await seedUsersDirectly(db.url, profiles, now);
    await seedInteractions(db.url, catalog, ids, s.workerInteractionsPerUser, now);
    catalog = undefined;
    const seedSeconds = (performance.now() - t) / 1000;
    log(`worker ${size}: seeded in ${seedSeconds.toFixed(1)} s; measuring`);
    t = performance.now();
    const input: WorkerBenchInput = {
      databaseUrl: db.url,
      items: size,
      userIds: ids.slice(0, s.workerTimedUsers + s.workerWarmupUsers),
      warmupUsers: s.workerWarmupUsers,
      concurrency: 4,
      mf: true,
    };
    const dir = profileDir ? path.join(profileDir, `worker-bench-${size}`) : undefined;
    const result = await runWorkerBench(input, dir ? ["--cpu-prof", "--cpu-prof-dir", dir] : []);
    const file = dir ? mainThreadProfile(dir) : undefined;
    if (file) {
      // The job path only: training would otherwise be most of the profile.
      const summary = summarizeProfile(file, 25, [result.jobWindowUs]);
      (result as { profile?: unknown }).profile = summary;
      log(`worker ${size} CPU profile of the refresh-user runs:\n${formatProfile(summary)}`);
    }
    sizes.push({ ...result, seedSeconds });
    log(`worker ${size}: ${result.jobMsPerUser.mean.toFixed(1)} ms/user (job), ${result.engineMsPerUser.mean.toFixed(1)} ms/user (engine), peak RSS ${result.rssMb.peak} MB, ${((performance.now() - t) / 1000).toFixed(0)} s`);
    await db.drop();
  }
  const at = (n: number) => sizes.find((w) => w.items === n);
  const big = at(1_000_000);
  const mid = at(100_000);
  results.sections.worker = {
    sizes,
    ...(big && mid ? { jobMsRatio1MTo100k: big.jobMsPerUser.mean / mid.jobMsPerUser.mean, engineMsRatio1MTo100k: big.engineMsPerUser.mean / mid.engineMsPerUser.mean } : {}),
  };
}

/**
 * The main thread's profile among those --cpu-prof wrote into `dir` (tsx's module loader runs in a
 * thread of its own and gets a profile too): the largest file.
 */
function mainThreadProfile(dir: string): string | undefined {
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
    return files.map((f) => path.join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
  } catch {
    return undefined;
  }
}

/** Runs bench/worker-bench.ts in its own process; resolves once it has exited (so a --cpu-prof file is written). */
function runWorkerBench(input: WorkerBenchInput, execArgv: string[]): Promise<WorkerBenchResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(ROOT, "bench", "worker-bench.ts"), [], { cwd: ROOT, execArgv: [...execArgv, ...TSX], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let result: WorkerBenchResult | undefined;
    let error: string | undefined;
    child.on("message", (m: { type: string; result?: WorkerBenchResult; message?: string }) => {
      if (m.type === "ready") child.send(input);
      else if (m.type === "result") result = m.result;
      else if (m.type === "error") error = m.message;
    });
    child.once("exit", (code) => {
      if (result && code === 0) resolve(result);
      else reject(new Error(`worker bench exited with ${code}${error ? `: ${error}` : ""}`));
    });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
