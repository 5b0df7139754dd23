import { pointViolations } from "../geo/geo-point.js";
import { CONTENT_KINDS, type ContentKind } from "./kinds.js";
import { textProblem, textProblemIn } from "../text.js";

/** Limits of one catalog item; the proto documents the same numbers. */
export const ITEM_LIMITS = {
  externalIdLength: 200,
  titleLength: 300,
  descriptionLength: 5000,
  tagLength: 64,
  tags: 50,
  metadataBytes: 16 * 1024,
} as const;

const EXTERNAL_ID = /^[A-Za-z0-9._:-]+$/;
// The range of google.protobuf.Timestamp, which Postgres and SQLite both hold.
const EARLIEST = Date.parse("0001-01-01T00:00:00Z");
const LATEST = Date.parse("9999-12-31T23:59:59.999Z");

/**
 * An item as a source sends it (an import request, a JSON Lines file), before validation.
 * `contentType` is a domain kind or whatever the source said, so an unknown one is reported, not lost.
 */
export interface CatalogItemInput {
  readonly contentType?: string;
  readonly externalId?: string;
  readonly title?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly metadata?: unknown;
  readonly location?: { readonly latitude: number; readonly longitude: number };
  readonly startTime?: Date;
  readonly endTime?: Date;
}

/** A valid, normalised item, ready to be stored. */
export interface CatalogItem {
  readonly contentType: ContentKind;
  readonly externalId: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly location?: { readonly latitude: number; readonly longitude: number };
  readonly startTime?: Date;
  readonly endTime?: Date;
}

const LOCATED: readonly ContentKind[] = ["place", "event"];
const UNTIMED: readonly ContentKind[] = ["music", "movie"];

/**
 * Checks one item against the catalog's rules and normalises it (trimmed title and description;
 * tags trimmed, lower-cased, de-duplicated in order). Every problem is reported, each naming its
 * field as the proto and the JSON Lines format spell it (`location`, `tags[3]`, `end_time`), joined
 * with "; " so one reason tells the sender everything to fix.
 */
export function validateItem(input: CatalogItemInput): { item: CatalogItem } | { reason: string } {
  const problems: string[] = [];
  const bad = (field: string, description: string) => problems.push(`${field}: ${description}`);

  const kind = input.contentType;
  const contentType = (CONTENT_KINDS as readonly string[]).includes(kind ?? "") ? (kind as ContentKind) : undefined;
  if (kind === undefined || kind === "") bad("content_type", `is required (one of ${CONTENT_KINDS.join(", ")})`);
  else if (!contentType) bad("content_type", `"${kind}" is not a known content type (one of ${CONTENT_KINDS.join(", ")})`);

  const externalId = input.externalId ?? "";
  if (externalId === "") bad("external_id", "is required");
  else if (externalId.length > ITEM_LIMITS.externalIdLength) bad("external_id", `must be at most ${ITEM_LIMITS.externalIdLength} characters, got ${externalId.length}`);
  else if (!EXTERNAL_ID.test(externalId)) bad("external_id", "may only contain letters, digits and . _ : -");

  const title = (input.title ?? "").trim();
  if (title === "") bad("title", "is required");
  else if (textProblem(title)) bad("title", textProblem(title)!);
  else if (chars(title) > ITEM_LIMITS.titleLength) bad("title", `must be at most ${ITEM_LIMITS.titleLength} characters, got ${chars(title)}`);

  const description = (input.description ?? "").trim();
  if (chars(description) > ITEM_LIMITS.descriptionLength) {
    bad("description", `must be at most ${ITEM_LIMITS.descriptionLength} characters, got ${chars(description)}`);
  }
  if (textProblem(description)) bad("description", textProblem(description)!);

  const tags = normaliseTags(input.tags ?? [], bad);
  const metadata = checkMetadata(input.metadata, bad);

  const { location, startTime, endTime } = input;
  if (location) {
    for (const v of pointViolations(location, "location")) bad(v.field, v.description);
  } else if (contentType && LOCATED.includes(contentType)) {
    bad("location", `is required for ${contentType}s`);
  }

  const startOk = checkTime(startTime, "start_time", bad);
  const endOk = checkTime(endTime, "end_time", bad);
  if (contentType && UNTIMED.includes(contentType)) {
    if (startTime) bad("start_time", `must not be set for ${contentType} (only events and places have times)`);
    if (endTime) bad("end_time", `must not be set for ${contentType} (only events and places have times)`);
  } else {
    if (contentType === "event" && !startTime) bad("start_time", "is required for events");
    if (startTime && endTime && startOk && endOk && endTime < startTime) {
      bad("end_time", `must not be before start_time (${startTime.toISOString()}), got ${endTime.toISOString()}`);
    }
  }

  if (problems.length > 0 || !contentType) return { reason: problems.join("; ") };
  return {
    item: {
      contentType,
      externalId,
      title,
      description,
      tags,
      metadata,
      ...(location ? { location: { latitude: location.latitude, longitude: location.longitude } } : {}),
      ...(startTime ? { startTime } : {}),
      ...(endTime ? { endTime } : {}),
    },
  };
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Length in characters (code points), as Postgres counts them, so an emoji counts once. */
function chars(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function normaliseTags(raw: readonly string[], bad: (field: string, description: string) => void): string[] {
  const seen = new Set<string>();
  raw.forEach((value, i) => {
    const tag = value.trim().toLowerCase();
    if (tag === "") bad(`tags[${i}]`, "must not be empty");
    else if (textProblem(tag)) bad(`tags[${i}]`, textProblem(tag)!);
    else if (chars(tag) > ITEM_LIMITS.tagLength) bad(`tags[${i}]`, `must be at most ${ITEM_LIMITS.tagLength} characters, got ${chars(tag)}`);
    else seen.add(tag);
  });
  if (seen.size > ITEM_LIMITS.tags) bad("tags", `must have at most ${ITEM_LIMITS.tags} distinct tags, got ${seen.size}`);
  return [...seen];
}

function checkMetadata(value: unknown, bad: (field: string, description: string) => void): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    bad("metadata", "must be a JSON object");
    return {};
  }
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes > ITEM_LIMITS.metadataBytes) bad("metadata", `must be at most ${ITEM_LIMITS.metadataBytes} bytes as JSON, got ${bytes}`);
  const problem = textProblemIn(value);
  if (problem) bad("metadata", problem);
  return value as Record<string, unknown>;
}

function checkTime(value: Date | undefined, field: string, bad: (field: string, description: string) => void): boolean {
  if (!value) return true;
  const ms = value.getTime();
  if (!Number.isFinite(ms)) bad(field, "is not a valid time");
  else if (ms < EARLIEST || ms > LATEST) bad(field, "must be between 0001-01-01 and 9999-12-31");
  else return true;
  return false;
}
