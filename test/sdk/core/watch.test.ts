import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import {
  GetRecommendationsResponseSchema,
  RecommendationSource,
  RecommendationStatus,
  type WatchRecommendationsResponse,
} from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { createStuckClient, isStuckError, type ReconnectEvent, type StuckClientCommonOptions } from "../../../sdk/src/node/index.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { list, startStubServer, untilCancelled, type StubServer } from "../helpers/stub-server.js";

const { GENERATING, READY } = RecommendationStatus;
const MOVIE = ContentType.MOVIE;
const L1 = list(GENERATING, 0, [], MOVIE);
const L2 = list(READY, 1_000, ["a", "b"], MOVIE);
const L3 = list(READY, 2_000, ["c", "a"], MOVIE);
const ids = (ms: WatchRecommendationsResponse[]) => ms.map((m) => `${RecommendationStatus[m.status]}:${m.recommendations.map((r) => r.id).join(",")}`);

/** The first `n` messages of a stream, leaving it with break (which cancels it). */
async function firstMessages<T>(stream: AsyncIterable<T>, n: number): Promise<T[]> {
  const seen: T[] = [];
  for await (const m of stream) {
    seen.push(m);
    if (seen.length === n) break;
  }
  return seen;
}

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check(), what).toBe(true);
}

describe.each(["connect", "grpc"] as const)("watchRecommendations over %s", (protocol) => {
  let stub: StubServer;
  let clock: FakeClock;
  let reconnects: ReconnectEvent[];

  beforeAll(async () => {
    stub = await startStubServer();
  });
  afterAll(async () => {
    await stub?.close();
  });
  beforeEach(() => {
    stub.reset();
    clock = new FakeClock();
    reconnects = [];
  });

  const make = (options: StuckClientCommonOptions = {}) =>
    createStuckClient({
      baseUrl: stub.baseUrl,
      protocol,
      clock,
      random: () => 0.5,
      auth: { token: "t" },
      watch: { onReconnect: (e) => reconnects.push(e) },
      ...options,
    });


  it("reconnects after the server ends the stream with unavailable, skipping the list it repeats, until aborted", async () => {
    stub.watchScripts = [
      async function* () {
        yield L1;
        yield L2;
        throw new ConnectError("server is shutting down, reconnect", Code.Unavailable);
      },
      async function* (ctx) {
        yield L2; // the current list again, as every new stream starts
        yield L3;
        await untilCancelled(ctx);
      },
    ];
    const abort = new AbortController();
    const seen: WatchRecommendationsResponse[] = [];
    for await (const m of make().content.watchRecommendations({ contentType: MOVIE }, { signal: abort.signal })) {
      seen.push(m);
      if (seen.length === 3) abort.abort();
    }
    expect(ids(seen)).toEqual(["GENERATING:", "READY:a,b", "READY:c,a"]);
    expect(reconnects.map((r) => [r.attempt, r.delayMs, r.error?.code])).toEqual([[1, 250, Code.Unavailable]]);
    expect(clock.sleeps).toEqual([250]); // half of the 500 ms first bound
    await until(() => stub.watchEnds.length === 2, "both streams ended");
    expect(stub.watchEnds).toEqual(["error", "aborted"]);
  });

  it("reconnects after the connection drops", async () => {
    stub.watchScripts = [
      async function* (_ctx, s) {
        yield L2;
        await new Promise((r) => setTimeout(r, 50));
        s.dropConnections();
        await new Promise(() => undefined);
      },
      async function* (ctx) {
        yield L3;
        await untilCancelled(ctx);
      },
    ];
    const seen = await firstMessages(make().content.watchRecommendations({ contentType: MOVIE }), 2);
    expect(ids(seen)).toEqual(["READY:a,b", "READY:c,a"]);
    expect(reconnects).toHaveLength(1);
    expect(reconnects[0]!.error?.fromServer).toBe(false);
  });

  it("backs off further while reconnects keep failing, and starts over after a message", async () => {
    let calls = 0;
    stub.watchScripts = [
      async function* (ctx) {
        calls++;
        if (calls <= 3) throw new ConnectError("not yet", Code.Unavailable);
        if (calls === 4) {
          yield L2;
          throw new ConnectError("again", Code.Unavailable);
        }
        yield L3;
        await untilCancelled(ctx);
      },
    ];
    const seen = await firstMessages(make().content.watchRecommendations({ contentType: MOVIE }), 2);
    expect(ids(seen)).toEqual(["READY:a,b", "READY:c,a"]);
    expect(clock.sleeps).toEqual([250, 500, 1000, 250]);
  });

  it("cancels the stream on the server when the loop is left with break", async () => {
    stub.watchScripts = [
      async function* (ctx) {
        yield L2;
        await untilCancelled(ctx);
      },
    ];
    for await (const m of make().content.watchRecommendations({ contentType: MOVIE })) {
      expect(m.status).toBe(READY);
      break;
    }
    await until(() => stub.watchEnds.includes("aborted"), "the server saw the stream cancelled");
  });

  it("raises an error a reconnect cannot cure, and honours reconnect: false", async () => {
    stub.watchScripts = [
      async function* () {
        yield L2;
        throw new ConnectError("bad content type", Code.InvalidArgument);
      },
    ];
    const seen: WatchRecommendationsResponse[] = [];
    const err = await (async () => {
      for await (const m of make().content.watchRecommendations({ contentType: MOVIE })) seen.push(m);
    })().catch((e) => e);
    expect(isStuckError(err)).toBe(true);
    expect(err.code).toBe(Code.InvalidArgument);
    expect(ids(seen)).toEqual(["READY:a,b"]);

    stub.watchScripts = [
      async function* () {
        yield L2;
        throw new ConnectError("shutting down", Code.Unavailable);
      },
    ];
    const once = await (async () => {
      for await (const _ of make().content.watchRecommendations({ contentType: MOVIE }, { reconnect: false }));
    })().catch((e) => e);
    expect(once.code).toBe(Code.Unavailable);
    expect(reconnects).toEqual([]);
  });

  it("refreshes an expired session token and reconnects with the new one", async () => {
    stub.validToken = "fresh-elsewhere";
    stub.watchScripts = [
      async function* (ctx) {
        yield L2;
        await untilCancelled(ctx);
      },
    ];
    const client = make({ auth: {} });
    await client.auth.setSession({ accessToken: "old", refreshToken: "r1", accessTokenExpiresAt: Date.now() + 600_000 });
    for await (const m of client.content.watchRecommendations({ contentType: MOVIE })) {
      expect(m.status).toBe(READY);
      break;
    }
    expect(stub.authorization.RefreshToken).toEqual([null]);
    expect(stub.authorization.WatchRecommendations).toEqual(["Bearer old", "Bearer access-after-r1"]);
    expect((await client.auth.getSession())!.refreshToken).toBe("r1-rotated");
    expect(reconnects).toEqual([]); // a refresh is not a reconnect after failure
  });

  describe("recommendationsFor", () => {
    const answer = (status: RecommendationStatus, ids: string[]) =>
      create(GetRecommendationsResponseSchema, {
        status,
        source: status === READY ? RecommendationSource.CACHE : RecommendationSource.NONE,
        recommendations: ids.map((id) => ({ id })),
        nextPageToken: ids.length ? "next" : "",
      });

    it("returns a READY answer at once, without watching", async () => {
        stub.getAnswers = [answer(READY, ["x"])];
      const res = await make().content.recommendationsFor(MOVIE);
      expect([res.status, res.source, res.recommendations.map((r) => r.id)]).toEqual([READY, RecommendationSource.CACHE, ["x"]]);
      expect(stub.authorization.WatchRecommendations).toBeUndefined();
    });

    it("waits on the stream while GENERATING, then answers with the READY list", async () => {
        stub.getAnswers = [answer(GENERATING, []), answer(READY, ["a", "b"])];
      stub.watchScripts = [
        async function* (ctx) {
          yield L1;
          await new Promise((r) => setTimeout(r, 30));
          yield L2;
          await untilCancelled(ctx);
        },
      ];
      const res = await make().content.recommendationsFor(MOVIE, { timeoutMs: 5_000 });
      expect([res.status, res.nextPageToken, res.recommendations.map((r) => r.id)]).toEqual([READY, "next", ["a", "b"]]);
      expect(stub.authorization.GetRecommendations).toHaveLength(2);
      await until(() => stub.watchEnds.includes("aborted"), "the watch was closed once READY");
    });

    it("answers GENERATING at once with waitForReady: false", async () => {
        stub.getAnswers = [answer(GENERATING, [])];
      const res = await make().content.recommendationsFor(MOVIE, { waitForReady: false });
      expect(res.status).toBe(GENERATING);
      expect(stub.authorization.WatchRecommendations).toBeUndefined();
    });

    it("fails with deadline_exceeded when the list is not ready in time, and with canceled when aborted", async () => {
        stub.getAnswers = [answer(GENERATING, [])];
      stub.watchScripts = [
        async function* (ctx) {
          yield L1;
          await untilCancelled(ctx);
        },
      ];
      const started = Date.now();
      const late = await make().content.recommendationsFor(MOVIE, { timeoutMs: 300 }).catch((e) => e);
      expect(isStuckError(late, "DEADLINE_EXCEEDED")).toBe(true);
      expect(late.message).toMatch(/MOVIE recommendations were not ready within 300 ms/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 100);
      const gone = await make().content.recommendationsFor(MOVIE, { signal: abort.signal }).catch((e) => e);
      expect(isStuckError(gone, "CANCELED")).toBe(true);
    });
  });
});
