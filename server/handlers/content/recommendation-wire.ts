import { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import type { ContentItemRecord } from "../../domain/content/records.js";
import type { ListEntry } from "../../domain/recommendations/lists.js";
import { toContentTypeEnum } from "../content-convert.js";

/**
 * The protobuf encoding of one `stuckai.content.v1.Recommendation`, written straight from a list
 * entry, with its length prefix (as a `recommendations` field of a response carries it). The bytes are
 * those of `reflectiveEntryBytes` in encoded-entries.ts, protobuf-es's own (a test compares them over
 * the starter catalog and random entries), at a fraction of the cost: protobuf-es encodes through
 * reflection, building a message, a Struct and a TextEncoder array per string, about 30–55 µs per
 * entry here, which made encoding the page a fifth of a database hit's CPU.
 *
 * Returns undefined for an entry it does not handle (metadata that is not plain JSON, a position that
 * is not an integer, an invalid date); the caller then takes the reflective path.
 */
export function encodeRecommendationEntry(entry: ListEntry, expiresAt: Date): Uint8Array | undefined {
  const w = scratch;
  w.pos = 0;
  w.failed = false;
  const outer = w.begin();
  w.string(1, entry.id);
  const item = w.begin(2);
  if (!writeItem(w, entry.item)) return undefined;
  w.end(item);
  w.double(3, entry.relevanceScore);
  w.int32(4, entry.rankingPosition);
  for (const reason of entry.reasons) w.stringAlways(5, reason);
  if (entry.distanceKm !== undefined) w.doubleAlways(6, entry.distanceKm);
  w.timestamp(7, expiresAt);
  w.end(outer);
  if (w.failed) return undefined;
  const out = new Uint8Array(w.pos);
  out.set(w.buf.subarray(0, w.pos));
  return out;
}

function writeItem(w: Writer, r: ContentItemRecord): boolean {
  w.string(1, r.id);
  w.int32(2, toContentTypeEnum(r.contentType) ?? ContentType.UNSPECIFIED);
  w.string(3, r.externalId);
  w.string(4, r.title);
  w.string(5, r.description);
  for (const tag of r.tags) w.stringAlways(6, tag);
  if (r.metadata != null) {
    const metadata = w.begin(7);
    if (!writeStruct(w, r.metadata)) return false;
    w.end(metadata);
  }
  if (r.latitude != null && r.longitude != null) {
    const location = w.begin(8);
    w.double(1, r.latitude);
    w.double(2, r.longitude);
    w.end(location);
  }
  if (r.startTime) w.timestamp(9, r.startTime);
  if (r.endTime) w.timestamp(10, r.endTime);
  w.double(11, r.popularity);
  w.timestamp(12, r.createdAt);
  w.timestamp(13, r.updatedAt);
  return true;
}

/** google.protobuf.Struct: `map<string, Value> fields = 1`, one entry message per member. */
function writeStruct(w: Writer, object: object): boolean {
  if (Array.isArray(object) || Object.getPrototypeOf(object) !== Object.prototype) return false;
  for (const [key, value] of Object.entries(object)) {
    const entry = w.begin(1);
    w.stringAlways(1, key);
    const v = w.begin(2);
    if (!writeValue(w, value)) return false;
    w.end(v);
    w.end(entry);
  }
  return true;
}

/** google.protobuf.Value: a oneof, so the member is written even when it holds its default. */
function writeValue(w: Writer, value: unknown): boolean {
  switch (typeof value) {
    case "number":
      w.doubleAlways(2, value);
      return true;
    case "string":
      w.stringAlways(3, value);
      return true;
    case "boolean":
      w.varintAlways(4, value ? 1 : 0);
      return true;
    case "object": {
      if (value === null) {
        w.varintAlways(1, 0);
        return true;
      }
      if (Array.isArray(value)) {
        const list = w.begin(6);
        for (const element of value) {
          const v = w.begin(1);
          if (!writeValue(w, element)) return false;
          w.end(v);
        }
        w.end(list);
        return true;
      }
      const struct = w.begin(5);
      if (!writeStruct(w, value)) return false;
      w.end(struct);
      return true;
    }
    default:
      return false;
  }
}

const VARINT = 0;
const I64 = 1;
const LEN = 2;
/** Room kept for a length prefix until the length is known (a varint of up to 2^35 - 1). */
const LENGTH_ROOM = 5;

/** Writes into one reused buffer; nested messages reserve room for their length and close it up after. */
class Writer {
  buf = Buffer.allocUnsafe(16 * 1024);
  pos = 0;
  /** Set by a value this writer does not encode (not a safe integer where one is due). */
  failed = false;

  /** Opens a length-delimited field (`field` 0: the entry's own prefix, no tag); returns its mark. */
  begin(field = 0): number {
    if (field > 0) this.tag(field, LEN);
    this.room(LENGTH_ROOM);
    const mark = this.pos;
    this.pos += LENGTH_ROOM;
    return mark;
  }

  end(mark: number): void {
    const length = this.pos - mark - LENGTH_ROOM;
    const size = varintSize(length);
    if (size < LENGTH_ROOM) this.buf.copyWithin(mark + size, mark + LENGTH_ROOM, this.pos);
    this.pos -= LENGTH_ROOM - size;
    const end = this.pos;
    this.pos = mark;
    this.uvarint(length);
    this.pos = end;
  }

  string(field: number, value: string): void {
    if (value !== "") this.stringAlways(field, value);
  }

  stringAlways(field: number, value: string): void {
    this.tag(field, LEN);
    // A UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair, two units, is 4).
    this.room(LENGTH_ROOM + value.length * 3);
    const mark = this.pos;
    this.pos += LENGTH_ROOM;
    this.pos += this.buf.write(value, this.pos, "utf8");
    this.end(mark);
  }

  double(field: number, value: number): void {
    // Implicit presence: +0 is the default and not written; -0 and NaN are (as protobuf-es does).
    if (!Object.is(value, 0)) this.doubleAlways(field, value);
  }

  doubleAlways(field: number, value: number): void {
    this.tag(field, I64);
    this.room(8);
    this.pos = this.buf.writeDoubleLE(value, this.pos);
  }

  int32(field: number, value: number): void {
    if (value !== 0) this.varintAlways(field, value);
  }

  /** An int32 or int64 value; negative ones take ten bytes, as two's complement in 64 bits. */
  varintAlways(field: number, value: number): void {
    if (!Number.isSafeInteger(value)) {
      this.failed = true;
      return;
    }
    this.tag(field, VARINT);
    if (value >= 0) this.uvarint(value);
    else this.negativeVarint(value);
  }

  /** google.protobuf.Timestamp as protobuf-es's timestampFromDate makes it: nanos never negative. */
  timestamp(field: number, date: Date): void {
    const ms = date.getTime();
    const seconds = Math.floor(ms / 1000);
    const nanos = (ms - seconds * 1000) * 1_000_000;
    const mark = this.begin(field);
    if (seconds !== 0) this.varintAlways(1, seconds);
    if (nanos !== 0) this.varintAlways(2, nanos);
    this.end(mark);
  }

  private tag(field: number, wireType: number): void {
    this.uvarint(field * 8 + wireType);
  }

  /** A non-negative safe integer as a varint (arithmetic, not 32-bit bitwise, above 2^31). */
  private uvarint(value: number): void {
    this.room(10);
    while (value > 0x7f) {
      this.buf[this.pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buf[this.pos++] = value;
  }

  private negativeVarint(value: number): void {
    this.room(10);
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

const scratch = new Writer();
