import { toBinary, type UnknownField } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { GetRecommendationsResponseSchema, RecommendationSchema } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import type { ListEntry } from "../../domain/recommendations/lists.js";
import { toListEntry } from "../content-convert.js";
import { encodeRecommendationEntry } from "./recommendation-wire.js";

/**
 * A cache hit answers the list object it answered last time (DecodedLists), so the protobuf encoding
 * of its entries can be reused too: encoding 20 items with their Struct metadata was a third of a
 * cache hit's CPU. The bytes are handed to the serializer as the response's unknown fields under the
 * `recommendations` field number, which the binary encoder writes verbatim: on the wire that is the
 * same repeated field (parsers accept fields in any order), decoded by every client as usual. The JSON
 * encoder drops unknown fields, so only binary requests take this path (see `binaryRequest`).
 */
const RECOMMENDATIONS = GetRecommendationsResponseSchema.field.recommendations.number;

/** Weak keys: an entry's bytes go when the list it belongs to is dropped. */
const encoded = new WeakMap<ListEntry, { readonly expiresMs: number; readonly field: UnknownField }>();

/** The entries as `recommendations` fields already encoded (length-prefixed, as the wire carries them). */
export function encodedEntries(entries: readonly ListEntry[], expiresAt: Date): UnknownField[] {
  const expiresMs = expiresAt.getTime();
  return entries.map((e) => {
    const held = encoded.get(e);
    if (held?.expiresMs === expiresMs) return held.field;
    const data = encodeRecommendationEntry(e, expiresAt) ?? reflectiveEntryBytes(e, expiresAt);
    const field: UnknownField = { no: RECOMMENDATIONS, wireType: WireType.LengthDelimited, data };
    encoded.set(e, { expiresMs, field });
    return field;
  });
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
