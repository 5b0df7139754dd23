import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";

/** Optional timestamp conversion: proto3 message fields are absent rather than zero. */
export function toTimestamp(date: Date | null | undefined): Timestamp | undefined {
  return date ? timestampFromDate(date) : undefined;
}
