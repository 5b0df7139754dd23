import http from "node:http";
import { gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { UpdateProfileRequestSchema } from "../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { DATABASE_KINDS } from "../helpers/databases.js";
import { envelope } from "../helpers/raw-http.js";
import { CORPUS_PASSWORD, plan, problemOf, runAll, tally } from "./helpers/fuzz-plan.js";
import { WIRE_PROTOCOLS, WireClient, type WireCall } from "./helpers/wire.js";
import { AuthService, clientAs, ContentService, httpStatus, ourMethods, PENDING_RPCS, procedureOf, startWorld, UserService, type Actor, type World } from "./helpers/world.js";

/**
 * Hostile input against every RPC of our services, over real sockets and every protocol: random and
 * mutated messages, broken frames, oversized bodies. The server must answer each call with a
 * documented code and AIP-193 details, never `internal`, never crash or log an unexpected error, and
 * be healthy afterwards. CHAOS=1 runs the long variant; FUZZ_SEED replays a run, FUZZ_CALLS sizes it.
 */
const CHAOS = process.env.CHAOS === "1";
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CALLS = Number(process.env.FUZZ_CALLS ?? (CHAOS ? 20_000 : 1_500));
const CONCURRENCY = 12;
/** Small, so that oversized frames cost little to send; the default is 4 MiB. */
const MAX_MESSAGE_BYTES = 64 * 1024;

describe.each(DATABASE_KINDS)("fuzzer on %s", (kind) => {
  let world: World;
  let wire: WireClient;
  let target: Actor;
  const consoleErrors: unknown[][] = [];

  beforeAll(async () => {
    world = await startWorld(kind, { MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) });
    target = await world.register(`target.${kind}@example.com`, CORPUS_PASSWORD);
    wire = new WireClient(world.baseUrl);
    // connect-node reports a handler that failed outside the RPC's own error handling here.
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void consoleErrors.push(args));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    wire?.close();
    await world?.stop();
  });

  it(`answers ${CALLS} random and mutated calls with documented codes only`, { timeout: CHAOS ? 1_800_000 : 180_000 }, async () => {
    const started = performance.now();
    const calls = plan(world, SEED, target, CALLS);
    const outcomes = await runAll(wire, calls, CONCURRENCY);
    const seconds = (performance.now() - started) / 1000;
    const problems = outcomes.flatMap((o) => {
      const p = problemOf(o);
      return p ? [`#${o.planned.index} ${procedureOf(o.planned.call.method)} ${o.planned.call.protocol} ${o.planned.kind}: ${p}`] : [];
    });
    const pending = outcomes.filter((o) => o.answer.code === "unimplemented" && PENDING_RPCS.has(procedureOf(o.planned.call.method))).length;
    const unexpected = world.logs.filter((l) => l.level >= 50);
    console.log(
      JSON.stringify({
        suite: "fuzz",
        database: kind,
        seed: SEED,
        calls: outcomes.length,
        seconds: Math.round(seconds * 10) / 10,
        codes: tally(outcomes, (o) => o.answer.code),
        kinds: tally(outcomes, (o) => o.planned.kind.split(":")[0]!),
        perProtocol: tally(outcomes, (o) => o.planned.call.protocol),
        unimplementedPendingRpcs: pending,
        problems: problems.length,
        unexpectedErrorLogs: unexpected.length,
      }),
    );
    expect(problems.slice(0, 20), `seed ${SEED}: replay with FUZZ_SEED=${SEED}`).toEqual([]);
    expect(unexpected.map((l) => l.err ?? l.msg)).toEqual([]);
    expect(consoleErrors.map((a) => String(a[0]))).toEqual([]);
    // Every method was reached, and the handlers' own validation too, not only the frame decoder.
    expect(new Set(outcomes.map((o) => procedureOf(o.planned.call.method))).size).toBe(ourMethods().length);
    expect(outcomes.filter((o) => o.answer.reason === "VALIDATION_ERROR" && o.planned.kind === "message").length).toBeGreaterThan(CALLS / 20);
    expect(outcomes.filter((o) => o.answer.code === "ok").length).toBeGreaterThan(CALLS / 20);
  });

  it("refuses frames beyond MAX_MESSAGE_BYTES with resource_exhausted, on every protocol, before parsing them", async () => {
    const login = ourMethods().find((m) => procedureOf(m) === "stuckai.auth.v1.AuthService/Login")!;
    const oversized = Buffer.concat([Buffer.from([0x0a, 0x80, 0x80, 0x08]), Buffer.alloc(128 * 1024, 0x61)]); // field 1, 131072 bytes
    const bomb = gzipSync(Buffer.alloc(8 * MAX_MESSAGE_BYTES));
    const bombFrame = Buffer.concat([Buffer.from([1, 0, 0, 0, 0]), bomb]);
    bombFrame.writeUInt32BE(bomb.length, 1);
    const cases: { name: string; call: WireCall }[] = [
      ...WIRE_PROTOCOLS.filter((p) => p !== "connect-json-h1").map((protocol) => ({ name: protocol, call: { method: login, protocol, payload: oversized } })),
      { name: "connect-json-h1", call: { method: login, protocol: "connect-json-h1", payload: JSON.stringify({ email: "a".repeat(128 * 1024) }) } },
      { name: "declared length only", call: { method: login, protocol: "grpc", payload: new Uint8Array(), rawBody: envelope(new Uint8Array(10)).fill(0xff, 1, 5) } },
      { name: "gzip bomb (grpc)", call: { method: login, protocol: "grpc", payload: new Uint8Array(), rawBody: bombFrame, headers: { "grpc-encoding": "gzip" } } },
      { name: "gzip bomb (connect)", call: { method: login, protocol: "connect-proto-h1", payload: bomb, headers: { "content-encoding": "gzip" } } },
    ];
    for (const c of cases) {
      const answer = await wire.call(c.call);
      expect({ name: c.name, code: answer.code, reason: answer.reason }).toEqual({ name: c.name, code: "resource_exhausted", reason: "MESSAGE_TOO_LARGE" });
      expect(answer.requestId).toBeTruthy();
    }
  });

  it("keeps a connection usable after refusing an oversized message unread (HTTP/1.1 keep-alive, HTTP/2 session)", async () => {
    const oversized = Buffer.concat([Buffer.from([0, 0, 4, 0, 0]), Buffer.alloc(256 * 1024, 0x61)]);
    // HTTP/1.1: one kept-alive socket; the refusal must close it, or the next request waits for the unread body.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = (headers: Record<string, string>, body: Uint8Array) =>
      new Promise<{ status: number; connection?: string; grpcStatus?: string }>((resolve, reject) => {
        const req = http.request(`${world.baseUrl}/stuckai.auth.v1.AuthService/Login`, { method: "POST", headers, agent, timeout: 10_000 }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode!, connection: res.headers.connection, grpcStatus: res.headers["grpc-status"] as string | undefined }));
        });
        req.on("timeout", () => req.destroy(new Error("no answer in 10 s: the connection hangs")));
        req.on("error", reject);
        req.end(body);
      });
    try {
      for (const type of ["application/grpc-web+proto", "application/proto"]) {
        const refused = await post({ "content-type": type }, type === "application/proto" ? oversized.subarray(5) : oversized);
        expect(refused.connection, type).toBe("close");
        // (A fresh email: the per-account login limit must not be what answers.)
        const next = await post({ "content-type": "application/json" }, Buffer.from(JSON.stringify({ email: `keepalive.${Math.random()}@example.com` })));
        expect(next.status).toBe(400);
      }
    } finally {
      agent.destroy();
    }
    // HTTP/2: many refusals on one session; the server ends each stream, so the session stays usable.
    const login = ourMethods().find((m) => procedureOf(m) === "stuckai.auth.v1.AuthService/Login")!;
    const own = new WireClient(world.baseUrl);
    // (Just past the limit: a bigger message would test nothing more.)
    const justOver = oversized.subarray(5, 5 + MAX_MESSAGE_BYTES + 1024);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => own.call({ method: login, protocol: i % 2 ? "grpc" : "connect-proto-h2", payload: justOver })));
    expect(new Set(answers.map((a) => a.code))).toEqual(new Set(["resource_exhausted"]));
    const me = ourMethods().find((m) => procedureOf(m) === "stuckai.auth.v1.AuthService/GetCurrentUser")!;
    expect((await own.call({ method: me, protocol: "grpc", payload: new Uint8Array(), token: world.alice.accessToken })).code).toBe("ok");
    own.close();
  });

  it("rejects the classic hostile values with invalid_argument, naming the field", async () => {
    const users = clientAs(world, UserService, world.alice);
    const content = clientAs(world, ContentService, world.alice);
    const bad = async (call: Promise<unknown>) => {
      const err = await call.then(
        () => undefined,
        (e: unknown) => e as { code: number; rawMessage: string },
      );
      return err?.code;
    };
    // 3 = invalid_argument
    expect(await bad(users.updateProfile({ profile: { location: { latitude: Number.NaN, longitude: Number.POSITIVE_INFINITY } }, updateMask: { paths: ["location"] } }))).toBe(3);
    expect(await bad(content.logInteraction({ contentItemId: world.items[0]!.id, interactionType: 1, location: { latitude: -91, longitude: Number.NEGATIVE_INFINITY } }))).toBe(3);
    expect(await bad(users.listInteractionHistory({ pageSize: -1 }))).toBe(3);
    expect(await bad(users.listInteractionHistory({ contentType: 99 as never }))).toBe(3);
    expect(await bad(content.logInteraction({ contentItemId: world.items[0]!.id, interactionType: 42 as never }))).toBe(3);
    expect(await bad(users.updateProfile({ profile: { interests: ["a\u0000b"] }, updateMask: { paths: ["interests"] } }))).toBe(3);
    expect(await bad(users.updateProfile({ profile: { travelHistory: [{ locationName: "Rome", visitTime: { seconds: 253402300800n, nanos: 0 } }] }, updateMask: { paths: ["travel_history"] } }))).toBe(3);
    // Hundreds of bad entries: the error still fits a gRPC client's trailer limit (it names the first ones).
    const me = ourMethods().find((m) => procedureOf(m) === "stuckai.user.v1.UserService/UpdateProfile")!;
    const many = toBinary(UpdateProfileRequestSchema, create(UpdateProfileRequestSchema, { profile: { interests: Array.from({ length: 600 }, (_, i) => `${i}`.padEnd(65, "x")) }, updateMask: { paths: ["interests"] } }));
    const answer = await wire.call({ method: me, protocol: "grpc", payload: many, token: world.alice.accessToken });
    expect(answer).toMatchObject({ code: "invalid_argument", reason: "VALIDATION_ERROR" });
    expect(answer.message.length).toBeLessThan(2100);
    // A huge page size is read as the maximum, not an error.
    expect(await bad(users.listInteractionHistory({ pageSize: 2147483647 }))).toBeUndefined();
  });

  it("refuses headers past Node's limit at the HTTP level (431, refused stream), and keeps serving", async () => {
    const me = ourMethods().find((m) => procedureOf(m) === "stuckai.auth.v1.AuthService/GetCurrentUser")!;
    // A connection of its own: HTTP/2 may end the whole session that sent the oversized header block.
    const own = new WireClient(world.baseUrl);
    const h1 = await own.call({ method: me, protocol: "grpc-web", payload: new Uint8Array(), token: "x".repeat(20_000) });
    expect(h1).toMatchObject({ code: "transport_error", httpStatus: 431 });
    const h2 = await own.call({ method: me, protocol: "grpc", payload: new Uint8Array(), token: "x".repeat(70_000) });
    expect(h2.code).toBe("transport_error");
    own.close();
    expect((await wire.call({ method: me, protocol: "grpc", payload: new Uint8Array(), token: world.alice.accessToken })).code).toBe("ok");
  });

  it("is healthy afterwards: /health, /ready and normal calls of each service", async () => {
    expect(await httpStatus(world, "/health")).toBe(200);
    expect(await httpStatus(world, "/ready")).toBe(200);
    const me = await clientAs(world, AuthService, world.alice).getCurrentUser({});
    expect(me.user?.id).toBe(world.alice.id);
    expect((await clientAs(world, UserService, world.alice).getProfile({})).profile?.userId).toBe(world.alice.id);
    const item = await clientAs(world, ContentService, world.bob).getContentItem({ id: world.items[0]!.id });
    expect(item.item?.title).toBe(world.items[0]!.title);
  });
});
