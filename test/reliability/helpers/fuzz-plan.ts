import { gzipSync } from "node:zlib";
import type { DescField, DescMethod } from "@bufbuild/protobuf";
import jwt from "jsonwebtoken";
import { seededRandom } from "../../../worker/engine/synthetic-catalog.js";
import { ARCHETYPES } from "../../../server/domain/users/profile.js";
import { TEST_JWT_SECRET } from "../../helpers/server.js";
import { Dice, encode, MessageGenerator, mutateBinary, mutateFrames, mutateJson } from "./hostile.js";
import { WIRE_PROTOCOLS, type WireAnswer, type WireCall, type WireClient, type WireProtocol } from "./wire.js";
import { ADMIN_EMAIL, ourMethods, PENDING_RPCS, procedureOf, type Actor, type World } from "./world.js";

/** Login's target in the corpus: fuzzed logins sometimes succeed, and its token is never used. */
export const CORPUS_PASSWORD = "correct horse 42";

/** The codes the contract documents for any call; `unimplemented` only for the pending RPCs. */
const DOCUMENTED = new Set(["ok", "invalid_argument", "unauthenticated", "permission_denied", "not_found", "resource_exhausted", "failed_precondition"]);
const ONLY_FOR: Record<string, ReadonlySet<string>> = {
  already_exists: new Set(["stuckai.auth.v1.AuthService/Register"]),
  unimplemented: PENDING_RPCS,
};

export interface Planned {
  readonly index: number;
  readonly call: WireCall;
  /** How the request was made: `message`, `binary:truncate`, `json:deep-array`, `frame:bad-gzip`, ... */
  readonly kind: string;
}

export interface Outcome {
  readonly planned: Planned;
  readonly answer: WireAnswer;
}

export function allowed(procedure: string, answer: WireAnswer): boolean {
  if (DOCUMENTED.has(answer.code)) return true;
  return ONLY_FOR[answer.code]?.has(procedure) ?? false;
}

/** A problem with one answer, or undefined: wrong code, or an error without ErrorInfo (reason and request id). */
export function problemOf(o: Outcome): string | undefined {
  const procedure = procedureOf(o.planned.call.method);
  const a = o.answer;
  if (!allowed(procedure, a)) return `${a.code}: ${a.message}`;
  if (a.code !== "ok" && (!a.reason || !a.requestId)) return `${a.code} without ErrorInfo reason/request_id: ${a.message}`;
  return undefined;
}

/** Seeded plan of calls; built before any is sent, so a seed gives the same requests whatever the timing. */
export function plan(world: World, seed: number, target: Actor, count: number): Planned[] {
  const dice = new Dice(seededRandom(seed));
  const methods = ourMethods();
  let fresh = 0;
  const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
  const upper = (xs: string[]) => xs.map((x) => x.toUpperCase());
  const valid = (field: DescField): readonly string[] => {
    switch (field.name) {
      case "email":
        return [target.email, world.alice.email, ADMIN_EMAIL, `Fuzz.${++fresh}@Example.com`];
      case "password":
        return [CORPUS_PASSWORD, "wrong password 1", "Sh0rt"];
      case "display_name":
        return ["Tess", "O'Brien"];
      case "refresh_token":
        return [target.refreshToken, world.bob.refreshToken];
      case "id":
      case "content_item_id":
        return [...ids(world.items), ...upper(ids(world.items))];
      case "recommendation_id":
        return [...ids(world.aliceRecs), ...ids(world.bobRecs)];
      case "user_id":
        return [world.alice.id, world.bob.id, world.admin.id];
      case "page_token":
        return [world.alicePageToken, world.alicePageToken.slice(0, -2)];
      case "idempotency_key":
        return ["key-1", `key-${dice.int(0, 50)}`];
      case "device":
        return ["ios", "web"];
      case "external_id":
        return ["fuzz-1", "fuzz:item.2"];
      case "title":
      case "description":
        return ["A title", "Concert at the Philharmonie"];
      case "tags":
      case "interests":
      case "keywords":
        return ["jazz", "street food", " Jazz "];
      case "archetypes":
        return [...ARCHETYPES];
      case "location_name":
        return ["Paris, France", "Lisbon"];
      default:
        return [];
    }
  };
  const gen = new MessageGenerator(dice, { valid });
  const forged = [
    jwt.sign({ user_id: world.alice.id, username: "x", permissions: ["admin:catalog"] }, "not-the-secret-but-long-enough-0123456789", { issuer: "stuckai", audience: "stuckai-api", jwtid: "j" }),
    `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify({ user_id: world.alice.id, username: "x", permissions: ["admin:catalog"], jti: "j", iss: "stuckai", aud: "stuckai-api" })).toString("base64url")}.`,
    jwt.sign({ user_id: "'; DROP TABLE users; --", username: "x", permissions: [], jti: "j" }, TEST_JWT_SECRET, { issuer: "stuckai", audience: "stuckai-api", expiresIn: 600 }),
    // Under Node's 16 KiB header limit: bigger headers are refused by HTTP itself (see the test below).
    "x".repeat(8_000),
    "",
  ];
  const out: Planned[] = [];
  for (let index = 0; index < count; index++) {
    const method: DescMethod = dice.pick(methods);
    let protocol: WireProtocol = dice.pick(WIRE_PROTOCOLS);
    const roll = dice.next();
    const token =
      roll < 0.35 ? world.alice.accessToken : roll < 0.5 ? world.bob.accessToken : roll < 0.7 ? world.admin.accessToken : roll < 0.85 ? undefined : dice.pick(forged);
    const init = gen.message(method.input);
    const strategy = dice.next();
    const base = { method, token };
    if (protocol === "connect-json-h1") {
      const text = encode(method.input, init, true);
      if (text !== undefined && typeof text === "string") {
        if (strategy < 0.65) out.push({ index, kind: "message", call: { ...base, protocol, payload: text } });
        else {
          const m = mutateJson(dice, method.input, text);
          out.push({ index, kind: `json:${m.kind}`, call: { ...base, protocol, payload: m.text } });
        }
        continue;
      }
      // No JSON form (NaN in a Struct, a timestamp past 9999): the same message goes binary.
      protocol = "connect-proto-h1";
    }
    const bytes = encode(method.input, init, false) as Uint8Array;
    const enveloped = protocol === "grpc" || protocol === "grpc-web" || method.methodKind === "server_streaming";
    if (strategy < 0.55) out.push({ index, kind: "message", call: { ...base, protocol, payload: bytes } });
    else if (strategy < 0.85 || !enveloped) {
      if (!enveloped && strategy >= 0.85) {
        // Connect unary's frame-level equivalent: a body declared gzip that does not inflate.
        const gz = gzipSync(bytes);
        out.push({ index, kind: "body:bad-gzip", call: { ...base, protocol, payload: gz.subarray(0, Math.max(1, gz.length - 4)), headers: { "content-encoding": "gzip" } } });
      } else {
        const m = mutateBinary(dice, method.input, bytes);
        out.push({ index, kind: `binary:${m.kind}`, call: { ...base, protocol, payload: m.bytes } });
      }
    } else {
      const m = mutateFrames(dice, bytes);
      out.push({ index, kind: `frame:${m.kind}`, call: { ...base, protocol, payload: bytes, rawBody: m.body, headers: m.headers } });
    }
  }
  return out;
}

export async function runAll(wire: WireClient, calls: Planned[], concurrency: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(calls.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls.length) {
        const planned = calls[next++]!;
        outcomes[planned.index] = { planned, answer: await wire.call(planned.call) };
      }
    }),
  );
  return outcomes;
}

export function tally<T>(xs: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort());
}

