import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ErrorInfoSchema } from "../../../sdk/src/gen/google/rpc/error_details_pb.js";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import type { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import {
  ContentService,
  RecommendationStatus,
  WatchRecommendationsResponseSchema,
  type GetRecommendationsResponse,
  type WatchRecommendationsResponse,
} from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";

/**
 * A scriptable ContentService (and RefreshToken) on a real HTTP/2 socket, for what the real server
 * cannot be made to do on cue: end a stream with `unavailable` mid-way, drop the connection, send a
 * list twice. Each WatchRecommendations call runs the next script of `watchScripts`.
 */
export interface StubServer {
  readonly baseUrl: string;
  /** One per WatchRecommendations call, in order; the last one repeats. */
  watchScripts: WatchScript[];
  /** Answers of GetRecommendations, in order; the last one repeats. */
  getAnswers: GetRecommendationsResponse[];
  /** Authorization headers of the calls, per method name. */
  readonly authorization: Record<string, (string | null)[]>;
  /** How each watch stream ended: "done", "error", or "aborted" (the client went away). */
  readonly watchEnds: string[];
  /** The access token that streams must carry; others are refused as expired. Undefined: any. */
  validToken: string | undefined;
  /** HTTP/2 connections accepted, and PING frames received from clients, since start. */
  readonly connections: { opened: number; pings: number };
  /** Forgets the calls so far: scripts and answers start from their first again. */
  reset(): void;
  /** Closes every HTTP/2 connection at once, as a network failure would. */
  dropConnections(): void;
  close(): Promise<void>;
}

export type WatchScript = (ctx: HandlerContext, stub: StubServer) => AsyncIterable<WatchRecommendationsResponse>;

export function list(status: RecommendationStatus, generatedAtMs: number, ids: string[], contentType: ContentType): WatchRecommendationsResponse {
  return create(WatchRecommendationsResponseSchema, {
    contentType,
    status,
    generateTime: status === RecommendationStatus.READY ? timestampFromMs(generatedAtMs) : undefined,
    recommendations: ids.map((id, i) => ({ id, rankingPosition: i + 1 })),
  });
}

/** Waits until the client cancels the stream. */
export const untilCancelled = (ctx: HandlerContext) =>
  new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener("abort", () => resolve(), { once: true })));

export async function startStubServer(): Promise<StubServer> {
  const sessions = new Set<http2.ServerHttp2Session>();
  let watchCalls = 0;
  let getCalls = 0;
  const stub: StubServer = {
    baseUrl: "",
    watchScripts: [],
    getAnswers: [],
    authorization: {},
    watchEnds: [],
    connections: { opened: 0, pings: 0 },
    validToken: undefined,
    reset: () => {
      watchCalls = 0;
      getCalls = 0;
      stub.watchEnds.length = 0;
      for (const k of Object.keys(stub.authorization)) delete stub.authorization[k];
      stub.validToken = undefined;
    },
    dropConnections: () => {
      for (const s of sessions) s.destroy();
    },
    close: async () => undefined,
  };
  const seen = (method: string, ctx: HandlerContext) => (stub.authorization[method] ??= []).push(ctx.requestHeader.get("authorization"));
  const checkToken = (ctx: HandlerContext) => {
    if (stub.validToken !== undefined && ctx.requestHeader.get("authorization") !== `Bearer ${stub.validToken}`) {
      throw new ConnectError("access token expired", Code.Unauthenticated, undefined, [
        { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "TOKEN_EXPIRED", domain: "stuckai.travel", metadata: { request_id: "stub" } }) },
      ]);
    }
  };

  const content: Partial<ServiceImpl<typeof ContentService>> = {
    async getRecommendations(_req, ctx) {
      seen("GetRecommendations", ctx);
      checkToken(ctx);
      const answer = stub.getAnswers[Math.min(getCalls++, stub.getAnswers.length - 1)];
      if (!answer) throw new ConnectError("no answer scripted", Code.Internal);
      return answer;
    },
    async *watchRecommendations(_req, ctx) {
      seen("WatchRecommendations", ctx);
      const script = stub.watchScripts[Math.min(watchCalls++, stub.watchScripts.length - 1)]!;
      try {
        checkToken(ctx);
        yield* script(ctx, stub);
        stub.watchEnds.push(ctx.signal.aborted ? "aborted" : "done");
      } catch (e) {
        stub.watchEnds.push(ctx.signal.aborted ? "aborted" : "error");
        throw e;
      }
    },
  };
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(ContentService, content);
      router.service(AuthService, {
        async refreshToken(req, ctx) {
          seen("RefreshToken", ctx);
          const next = `access-after-${req.refreshToken}`;
          stub.validToken = next;
          return { tokens: { accessToken: next, refreshToken: `${req.refreshToken}-rotated`, tokenType: "Bearer", accessTokenExpireTime: timestampFromMs(Date.now() + 900_000) } };
        },
      });
    },
  });
  const server = http2.createServer(handler);
  server.on("session", (s) => {
    sessions.add(s);
    stub.connections.opened++;
    s.on("ping", () => stub.connections.pings++);
    s.on("close", () => sessions.delete(s));
    s.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  Object.assign(stub, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  });
  return stub;
}
