import { toBinary, type UnknownField } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { GetRecommendationsResponseSchema, RecommendationSchema } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import type { ListEntry } from "../../domain/recommendations/lists.js";
import { toListEntry } from "../content-convert.js";
import { encodeRecommendationEntry } from "./recommendation-wire.js";

/**
 * A cache hit answers the list object it answered last time (DecodedLists), so the protobuf encoding
 * of its page can be reused too: encoding 20 items with their Struct metadata was a third of a cache
 * hit's CPU. The bytes are handed to the serializer as one unknown field of the response, which the
 * binary encoder writes verbatim after its tag: on the wire that is the same repeated
 * `recommendations` field (parsers accept fields in any order), decoded by every client as usual.
 * The JSON encoder drops unknown fields, so only binary requests take this path (see `binaryRequest`).
 */
const RECOMMENDATIONS = GetRecommendationsResponseSchema.field.recommendations.number;
/** What precedes every entry but the first, whose tag the serializer writes. */
const ENTRY_TAG = new BinaryWriter().tag(RECOMMENDATIONS, WireType.LengthDelimited).finish();

interface EncodedPage {
  readonly count: number;
  readonly expiresMs: number;
  readonly field: UnknownField;
}

/**
 * By the page's first entry, which belongs to one held list: the page's bytes go with the list.
 * One buffer per page, not one per entry: the memo holds a thousand lists, and each buffer is an
 * object for the garbage collector to trace.
 */
const encoded = new WeakMap<ListEntry, EncodedPage>();

/** The page's entries as the unknown fields to give the response (encoded once per page and expiry). */
export function encodedEntries(entries: readonly ListEntry[], expiresAt: Date): UnknownField[] {
  const first = entries[0];
  if (first === undefined) return [];
  const expiresMs = expiresAt.getTime();
  const held = encoded.get(first);
  if (held?.count === entries.length && held.expiresMs === expiresMs) return [held.field];
  const field: UnknownField = { no: RECOMMENDATIONS, wireType: WireType.LengthDelimited, data: pageBytes(entries, expiresAt) };
  encoded.set(first, { count: entries.length, expiresMs, field });
  return [field];
}

/** Each entry length-prefixed, with the field's tag between them. */
function pageBytes(entries: readonly ListEntry[], expiresAt: Date): Uint8Array {
  const parts = entries.map((e) => encodeRecommendationEntry(e, expiresAt) ?? reflectiveEntryBytes(e, expiresAt));
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, ENTRY_TAG.length * (parts.length - 1)));
  let pos = 0;
  parts.forEach((part, i) => {
    if (i > 0) {
      out.set(ENTRY_TAG, pos);
      pos += ENTRY_TAG.length;
    }
    out.set(part, pos);
    pos += part.length;
  });
  return out;
}

/**
 * The entry encoded by protobuf-es (the message `toListEntry` builds), length-prefixed: what
 * `encodeRecommendationEntry` must equal, and the path for entries it does not handle.
 */
export function reflectiveEntryBytes(e: ListEntry, expiresAt: Date): Uint8Array {
  return new BinaryWriter().bytes(toBinary(RecommendationSchema, toListEntry(e, expiresAt))).finish();
}

/**
 * True when the response will be encoded in the protobuf binary format: gRPC, gRPC-Web and Connect
 * with `proto` (what the content type says; anything else, JSON included, takes the plain path).
 */
export function binaryRequest(contentType: string | null): boolean {
  return contentType !== null && /^application\/(?:grpc(?:-web)?(?:\+proto)?|(?:connect\+)?proto)\s*(?:;|$)/i.test(contentType);
}
