import { create, ScalarType, toBinary, toJsonString, type DescField, type DescMessage, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { gzipSync } from "node:zlib";

/** A seeded source of choices; every fuzz decision goes through it, so a seed replays a run. */
export class Dice {
  constructor(readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

/** SQL and NoSQL injection payloads, and text that trips parsers, drivers and terminals. */
export const INJECTIONS: readonly string[] = [
  "'; DROP TABLE users; --",
  "' OR '1'='1",
  "\" OR \"\"=\"",
  "1; SELECT pg_sleep(5); --",
  "'); DELETE FROM content_items; --",
  "admin'--",
  "' UNION SELECT password_hash FROM users --",
  "\\'; DROP TABLE interactions; --",
  "{\"$gt\": \"\"}",
  "{\"$ne\": null}",
  "{\"$where\": \"sleep(5000)\"}",
  "$regex",
  "__proto__",
  "constructor.prototype",
  "%s%s%s%n",
  "${jndi:ldap://127.0.0.1/x}",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "😀👍🏽‍🚀 ünïcödé ÆØÅ 日本語 עברית العربية",
  "\u202eevil\u202c",
  "\ufeffBOM",
  "e\u0301\u0301\u0301",
  "\uffff\ufffe",
  "line\nbreak\r\n\ttab",
  "\u0001\u0007\u001b[31mred\u001b[0m",
  "-- comment",
  "/* comment */",
  "`rm -rf /`",
  "NaN",
  "Infinity",
  "null",
];

/** Text with a NUL, which neither database keeps in text: refused with invalid_argument, never stored cut short. */
export const NUL_TEXTS: readonly string[] = ["a\u0000b", "\u0000", "'; DROP TABLE users; --\u0000"];

const EDGE_STRINGS: readonly string[] = [
  "",
  " ",
  "\t\n",
  "x",
  ...INJECTIONS,
  ...NUL_TEXTS,
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "not-a-uuid",
  "*",
  "interests",
  "user_id",
  "profile.interests",
];

export interface StringSources {
  /** Values that make a call get past validation: existing ids, emails, tokens, for the field named. */
  valid(field: DescField): readonly string[];
}

const DOUBLES = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1e308, -1e308, 5e-324, 90, -90, 90.000001, 180, -180.5, 48.8566, 2.3522];
const INT32S = [0, 1, -1, 20, 50, 100, 101, 500, 501, 1000, 1001, 2147483647, -2147483648];
const INT64S = [0n, 1n, -1n, -62135596800n, -62135596801n, 253402300799n, 253402300800n, 9223372036854775807n, -9223372036854775808n, 1700000000n];

/**
 * Random messages of any descriptor: each field set or not, with valid values (so calls reach the
 * handlers' validation) mixed with edge values: NaN and infinite coordinates, int32 extremes as page
 * sizes, unknown enum numbers, out-of-range timestamps, deep or huge google.protobuf.Struct, huge
 * strings, NUL and injection text, lists past their documented limits.
 */
export class MessageGenerator {
  constructor(
    private readonly dice: Dice,
    private readonly sources: StringSources,
  ) {}

  /** Characters of oversized strings left for the message being made: a request of a few hundred KB at most. */
  private budget = 0;

  message(desc: DescMessage, depth = 0): Record<string, unknown> {
    if (depth === 0) this.budget = 300_000;
    const init: Record<string, unknown> = {};
    for (const field of desc.fields) {
      if (field.oneof || !this.dice.chance(depth === 0 ? 0.75 : 0.5)) continue;
      init[field.localName] = field.fieldKind === "list" ? this.list(field, depth) : this.single(field, depth);
    }
    return init;
  }

  private list(field: DescField & { fieldKind: "list" }, depth: number): unknown[] {
    const n = this.dice.chance(0.85) ? this.dice.int(0, 4) : this.dice.pick([50, 51, 500, 501, 1001]);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) {
      if (field.listKind === "scalar") out.push(this.scalar(field, field.scalar));
      else if (field.listKind === "enum") out.push(this.enumValue(field.enum.values.map((v) => v.number)));
      else out.push(depth > 2 ? {} : this.messageValue(field.message, depth + 1));
    }
    return out;
  }

  private single(field: DescField, depth: number): unknown {
    switch (field.fieldKind) {
      case "scalar":
        return this.scalar(field, field.scalar);
      case "enum":
        return this.enumValue(field.enum.values.map((v) => v.number));
      case "message":
        return this.messageValue(field.message, depth + 1);
      default:
        return undefined;
    }
  }

  private messageValue(desc: DescMessage, depth: number): unknown {
    switch (desc.typeName) {
      case "google.protobuf.Struct":
        return this.struct();
      case "google.protobuf.Timestamp":
        return { seconds: this.dice.pick(INT64S), nanos: this.dice.chance(0.8) ? 0 : this.dice.pick([-1, 999_999_999, 1_000_000_000, 2147483647]) };
      case "google.protobuf.FieldMask":
        return { paths: Array.from({ length: this.dice.int(0, 3) }, () => this.dice.pick(["*", "interests", "location", "location_name", "travel_history", "user_id", "create_time", "nope", "", "interests.x", "a\u0000"])) };
      default:
        return depth > 3 ? {} : this.message(desc, depth);
    }
  }

  private scalar(field: DescField, scalar: ScalarType): unknown {
    switch (scalar) {
      case ScalarType.DOUBLE:
      case ScalarType.FLOAT:
        return this.dice.chance(0.5) ? this.dice.pick(DOUBLES) : (this.dice.next() - 0.5) * 400;
      case ScalarType.INT32:
      case ScalarType.SINT32:
      case ScalarType.SFIXED32:
        return this.dice.pick(INT32S);
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        return Math.abs(this.dice.pick(INT32S));
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64:
        return this.dice.pick(INT64S);
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
        return this.dice.pick([0n, 1n, 18446744073709551615n]);
      case ScalarType.BOOL:
        return this.dice.chance(0.5);
      case ScalarType.BYTES:
        return this.dice.bytes(this.dice.int(0, 64));
      case ScalarType.STRING:
        return this.string(field);
    }
  }

  string(field: DescField): string {
    const valid = this.sources.valid(field);
    const roll = this.dice.next();
    if (roll < 0.45 && valid.length > 0) return this.dice.pick(valid);
    // NUL on its own share: the one character both databases refuse, so the one most likely to slip through.
    if (roll < 0.55) return this.dice.pick(NUL_TEXTS);
    if (roll < 0.85) return this.dice.pick(EDGE_STRINGS);
    // Oversized: past every documented length (64, 100, 128, 200, 254, 300, 5,000 characters).
    const unit = this.dice.pick(["a", "é", "😀", "'", "\u0000"]);
    const length = this.dice.pick([65, 101, 129, 201, 255, 301, 5001, 70_000]);
    if (length > this.budget) return this.dice.pick(EDGE_STRINGS);
    this.budget -= length;
    return unit.repeat(length);
  }

  private enumValue(numbers: readonly number[]): number {
    return this.dice.chance(0.7) ? this.dice.pick(numbers) : this.dice.pick([-1, 99, 999_999, 2147483647]);
  }

  /** Objects that are deep (past the decoders' recursion limit), big (past 16 KiB) or full of awkward keys. */
  struct(): JsonObject {
    const shape = this.dice.next();
    if (shape < 0.15) {
      let deep: JsonValue = "bottom";
      for (let i = 0, n = this.dice.pick([20, 60, 120, 400]); i < n; i++) deep = this.dice.chance(0.5) ? { d: deep } : [deep];
      return { deep };
    }
    if (shape < 0.25) return { big: "x".repeat(this.dice.pick([16_000, 17_000, 40_000])) };
    const out: JsonObject = {};
    for (let i = 0, n = this.dice.int(0, 5); i < n; i++) {
      const key = this.dice.pick(["a", "$gt", "$where", "__proto__", "constructor", "", "k\u0000", "'; DROP TABLE x; --", "ü😀"]);
      // An own property even for "__proto__" (plain assignment would set the object's prototype instead).
      Object.defineProperty(out, key, { value: this.jsonValue(2), enumerable: true, configurable: true, writable: true });
    }
    return out;
  }

  private jsonValue(depth: number): JsonValue {
    const roll = this.dice.next();
    if (roll < 0.2) return this.dice.pick(DOUBLES);
    if (roll < 0.5) return this.dice.pick(EDGE_STRINGS);
    if (roll < 0.6) return this.dice.chance(0.5);
    if (roll < 0.7 || depth === 0) return null;
    if (roll < 0.85) return Array.from({ length: this.dice.int(0, 3) }, () => this.jsonValue(depth - 1));
    return { nested: this.jsonValue(depth - 1), "$ne": null };
  }
}

/** Binary protobuf for `init`; JSON text when the protocol wants it and the message has a JSON form. */
export function encode(desc: DescMessage, init: Record<string, unknown>, json: boolean): Uint8Array | string | undefined {
  try {
    const msg = create(desc, init as never);
    return json ? toJsonString(desc, msg) : toBinary(desc, msg);
  } catch {
    // NaN in a Struct or a timestamp past 9999 has no JSON form (and a few shapes none at all).
    return undefined;
  }
}

/**
 * Mutations of a valid encoding, at the protobuf wire level: truncation, flipped and inserted bytes,
 * invalid UTF-8 in a string field, wrong wire types, overlong varints and lengths, unmatched groups,
 * unknown fields, nesting past the recursion limit, pure garbage.
 */
export function mutateBinary(dice: Dice, desc: DescMessage, bytes: Uint8Array): { kind: string; bytes: Uint8Array } {
  const stringField = desc.fields.find((f) => f.fieldKind === "scalar" && f.scalar === 9);
  const messageField = desc.fields.find((f) => f.fieldKind === "message");
  const kinds = ["truncate", "flip", "insert", "garbage", "wrong-wire-type", "varint-overflow", "overlong-length", "group", "unknown-field", "invalid-utf8", "deep-nesting"] as const;
  const kind = dice.pick(kinds);
  const w = new BinaryWriter();
  switch (kind) {
    case "truncate":
      return { kind, bytes: bytes.subarray(0, dice.int(0, Math.max(0, bytes.length - 1))) };
    case "flip": {
      const out = Uint8Array.from(bytes.length > 0 ? bytes : [0x0a, 0x01, 0x41]);
      for (let i = 0, n = dice.int(1, 4); i < n; i++) out[dice.int(0, out.length - 1)] = dice.int(0, 255);
      return { kind, bytes: out };
    }
    case "insert": {
      const at = dice.int(0, bytes.length);
      return { kind, bytes: Buffer.concat([bytes.subarray(0, at), dice.bytes(dice.int(1, 16)), bytes.subarray(at)]) };
    }
    case "garbage":
      return { kind, bytes: dice.bytes(dice.int(1, 512)) };
    case "wrong-wire-type": {
      const field = dice.pick(desc.fields.length > 0 ? desc.fields.map((f) => f.number) : [1]);
      w.tag(field, dice.pick([WireType.Varint, WireType.Bit64, WireType.Bit32, WireType.LengthDelimited])).raw(dice.bytes(8));
      return { kind, bytes: Buffer.concat([bytes, w.finish()]) };
    }
    case "varint-overflow":
      w.tag(dice.pick(desc.fields.map((f) => f.number).concat(1)), WireType.Varint);
      return { kind, bytes: Buffer.concat([bytes, w.finish(), Buffer.alloc(11, 0xff)]) };
    case "overlong-length":
      w.tag(stringField?.number ?? 1, WireType.LengthDelimited).uint32(dice.pick([100, 65_536, 0x7fffffff, 0xffffffff]));
      return { kind, bytes: Buffer.concat([bytes, w.finish(), Buffer.from("short")]) };
    case "group":
      w.tag(dice.int(1, 20), dice.pick([WireType.StartGroup, WireType.EndGroup]));
      return { kind, bytes: Buffer.concat([w.finish(), bytes]) };
    case "unknown-field":
      w.tag(dice.pick([100, 1000, 536870911]), WireType.LengthDelimited).bytes(dice.bytes(dice.int(0, 32)));
      w.tag(101, WireType.Varint).uint64(dice.pick([0n, 18446744073709551615n]));
      return { kind, bytes: Buffer.concat([bytes, w.finish()]) };
    case "invalid-utf8": {
      // Lone continuation bytes, an overlong NUL, a UTF-16 surrogate encoded in UTF-8, an impossible byte.
      const bad = dice.pick([[0xff, 0xfe], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80, 0x41], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
      w.tag(stringField?.number ?? 1, WireType.LengthDelimited).bytes(Uint8Array.from([0x41, ...bad, 0x42]));
      return { kind, bytes: Buffer.concat([bytes, w.finish()]) };
    }
    case "deep-nesting": {
      // The same message field nested inside itself until the decoder's recursion limit (100) gives up.
      let inner: Uint8Array = new Uint8Array(0);
      const number = messageField?.number ?? 1;
      for (let i = 0; i < dice.pick([99, 101, 150, 1000]); i++) inner = new BinaryWriter().tag(number, WireType.LengthDelimited).bytes(inner).finish();
      return { kind, bytes: inner };
    }
  }
}

/** Mutations of JSON text: broken syntax, wrong types, lone surrogates, deep nesting, prototype keys. */
export function mutateJson(dice: Dice, desc: DescMessage, text: string): { kind: string; text: string } {
  const field = desc.fields.length > 0 ? dice.pick(desc.fields).jsonName : "x";
  const kind = dice.pick(["truncate", "wrong-type", "lone-surrogate", "deep-array", "proto-keys", "not-object", "big-number", "duplicate-keys"] as const);
  switch (kind) {
    case "truncate":
      return { kind, text: text.slice(0, dice.int(0, Math.max(0, text.length - 1))) };
    case "wrong-type":
      return { kind, text: JSON.stringify({ [field]: dice.pick<JsonValue>([5, "abc", true, [1, 2], { a: 1 }, null, "NaN", "-Infinity", "1e400"]) }) };
    case "lone-surrogate":
      return { kind, text: `{"${field}": "a\\ud800b"}` };
    case "deep-array":
      return { kind, text: `{"${field}": ${"[".repeat(dice.pick([200, 5000, 100_000]))}` + `${"]".repeat(dice.pick([200, 5000, 100_000]))}}` };
    case "proto-keys":
      return { kind, text: `{"__proto__": {"admin": true, "permissions": ["admin:catalog"]}, "constructor": {"prototype": {"x": 1}}, "${field}": {}}` };
    case "not-object":
      return { kind, text: dice.pick(["[]", "null", "42", "\"str\"", "", "{", "}", "\u0000"]) };
    case "big-number":
      return { kind, text: `{"${field}": ${dice.pick(["1e400", "-1e400", "99999999999999999999999", "0.0000000000000000000001", "-0"])}}` };
    case "duplicate-keys":
      return { kind, text: `{"${field}": 1, "${field}": "two", "${field}": null}` };
  }
}

/** Frame-level attacks on an enveloped request (gRPC, gRPC-Web, Connect streaming). */
export function mutateFrames(dice: Dice, message: Uint8Array): { kind: string; body: Uint8Array; headers?: Record<string, string> } {
  const head = (flags: number, len: number) => {
    const b = Buffer.alloc(5);
    b.writeUInt8(flags, 0);
    b.writeUInt32BE(len >>> 0, 1);
    return b;
  };
  const kind = dice.pick(["empty", "short-header", "truncated-frame", "declared-4gib", "two-messages", "compressed-flag-without-encoding", "bad-gzip", "trailer-flag", "trailing-garbage"] as const);
  switch (kind) {
    case "empty":
      return { kind, body: new Uint8Array(0) };
    case "short-header":
      return { kind, body: Uint8Array.from([0, 0, 0]) };
    case "truncated-frame":
      return { kind, body: Buffer.concat([head(0, message.length + 10), message]) };
    case "declared-4gib":
      return { kind, body: Buffer.concat([head(0, 0xffffffff), message]) };
    case "two-messages":
      return { kind, body: Buffer.concat([head(0, message.length), message, head(0, message.length), message]) };
    case "compressed-flag-without-encoding":
      return { kind, body: Buffer.concat([head(1, message.length), message]) };
    case "bad-gzip": {
      const gz = gzipSync(message);
      const broken = dice.chance(0.5) ? gz.subarray(0, Math.max(1, gz.length - 5)) : Buffer.concat([gz.subarray(0, 10), dice.bytes(20)]);
      return { kind, body: Buffer.concat([head(1, broken.length), broken]), headers: { "grpc-encoding": "gzip", "connect-content-encoding": "gzip" } };
    }
    case "trailer-flag":
      return { kind, body: Buffer.concat([head(0x80, message.length), message]) };
    case "trailing-garbage":
      return { kind, body: Buffer.concat([head(0, message.length), message, dice.bytes(3)]) };
  }
}
