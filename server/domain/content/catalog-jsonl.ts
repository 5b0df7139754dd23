import type { CatalogItemInput } from "./catalog-item.js";

/**
 * One line of a catalog file in JSON Lines (the starter catalog's format, catalog/starter/README.md):
 * `content_type`, `external_id`, `title`, `description`, `tags`, `metadata`, `location`
 * `{latitude, longitude}`, and either absolute `start_time`/`end_time` (RFC 3339) or, as the
 * starter events have, `starts_in_hours`/`duration_hours` relative to the load time.
 */
const FIELDS = new Set([
  "content_type",
  "external_id",
  "title",
  "description",
  "tags",
  "metadata",
  "location",
  "start_time",
  "end_time",
  "starts_in_hours",
  "duration_hours",
]);

// Date.parse takes many formats; a catalog file must say exactly which instant it means.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const HOUR_MS = 3_600_000;

/**
 * Parses one line into an import item, checking only the JSON shapes (types, unknown keys); the
 * catalog's rules are `validateItem`'s. Problems name the field, as validateItem's do.
 */
export function parseCatalogLine(line: string, loadTime: Date): { input: CatalogItemInput } | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { reason: `not valid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { reason: "must be a JSON object" };
  const o = value as Record<string, unknown>;
  const problems: string[] = [];
  const bad = (field: string, description: string) => problems.push(`${field}: ${description}`);

  for (const key of Object.keys(o)) {
    if (!FIELDS.has(key)) bad(key, `is not a catalog field (known: ${[...FIELDS].join(", ")})`);
  }
  const text = (field: string): string | undefined => {
    const v = o[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") bad(field, `must be a string, got ${describe(v)}`);
    return typeof v === "string" ? v : undefined;
  };
  const num = (field: string): number | undefined => {
    const v = o[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number") bad(field, `must be a number, got ${describe(v)}`);
    return typeof v === "number" ? v : undefined;
  };
  const time = (field: string): Date | undefined => {
    const v = text(field);
    if (v === undefined) return undefined;
    if (!RFC3339.test(v)) bad(field, `must be an RFC 3339 time such as 2025-07-01T19:30:00Z, got "${v}"`);
    return new Date(v);
  };

  const input: { -readonly [K in keyof CatalogItemInput]: CatalogItemInput[K] } = {
    contentType: text("content_type"),
    externalId: text("external_id"),
    title: text("title"),
    description: text("description"),
    metadata: o.metadata ?? undefined,
  };
  if (o.tags !== undefined && o.tags !== null) {
    if (Array.isArray(o.tags) && o.tags.every((t) => typeof t === "string")) input.tags = o.tags as string[];
    else bad("tags", "must be an array of strings");
  }
  if (o.location !== undefined && o.location !== null) {
    const loc = o.location as Record<string, unknown>;
    if (typeof loc === "object" && typeof loc.latitude === "number" && typeof loc.longitude === "number") {
      input.location = { latitude: loc.latitude, longitude: loc.longitude };
    } else {
      bad("location", "must be an object with numeric latitude and longitude");
    }
  }

  const startsIn = num("starts_in_hours");
  const duration = num("duration_hours");
  const start = time("start_time");
  const end = time("end_time");
  if (startsIn !== undefined && start) bad("starts_in_hours", "cannot be combined with start_time");
  if (duration !== undefined && end) bad("duration_hours", "cannot be combined with end_time");
  if (duration !== undefined && startsIn === undefined && !start) bad("duration_hours", "needs starts_in_hours or start_time");
  if (duration !== undefined && duration < 0) bad("duration_hours", "must not be negative");
  input.startTime = start ?? (startsIn !== undefined ? new Date(loadTime.getTime() + startsIn * HOUR_MS) : undefined);
  input.endTime = end ?? (duration !== undefined && input.startTime ? new Date(input.startTime.getTime() + duration * HOUR_MS) : undefined);

  return problems.length > 0 ? { reason: problems.join("; ") } : { input };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}
