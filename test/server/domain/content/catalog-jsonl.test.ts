import { describe, expect, it } from "vitest";
import { parseCatalogLine } from "../../../../server/domain/content/catalog-jsonl.js";

const LOAD = new Date("2030-01-01T12:00:00Z");
const parse = (o: unknown) => parseCatalogLine(typeof o === "string" ? o : JSON.stringify(o), LOAD);

describe("parseCatalogLine", () => {
  it("reads every field of the format", () => {
    expect(
      parse({
        content_type: "event",
        external_id: "e-1",
        title: "T",
        description: "D",
        tags: ["a"],
        metadata: { venue: "V" },
        location: { latitude: 1.5, longitude: -2 },
        start_time: "2030-02-01T19:30:00Z",
        end_time: "2030-02-01T22:00:00.500+01:00",
      }),
    ).toEqual({
      input: {
        contentType: "event",
        externalId: "e-1",
        title: "T",
        description: "D",
        tags: ["a"],
        metadata: { venue: "V" },
        location: { latitude: 1.5, longitude: -2 },
        startTime: new Date("2030-02-01T19:30:00Z"),
        endTime: new Date("2030-02-01T21:00:00.500Z"),
      },
    });
  });

  it("makes the starter events' relative times absolute from the load time", () => {
    const r = parse({ content_type: "event", starts_in_hours: -3, duration_hours: 1.5 });
    expect(r).toMatchObject({ input: { startTime: new Date("2030-01-01T09:00:00Z"), endTime: new Date("2030-01-01T10:30:00Z") } });
  });

  it("names wrong shapes, unknown keys and ambiguous times, all at once", () => {
    const r = parse({ content_type: 3, title: ["x"], tags: "jazz", location: [1, 2], start_time: "tomorrow", starts_in_hours: 2, colour: "red" });
    expect("reason" in r && r.reason.split("; ")).toEqual([
      expect.stringMatching(/^colour: is not a catalog field \(known: content_type, external_id, .*duration_hours\)$/),
      "content_type: must be a string, got number 3",
      "title: must be a string, got an array",
      "tags: must be an array of strings",
      "location: must be an object with numeric latitude and longitude",
      'start_time: must be an RFC 3339 time such as 2025-07-01T19:30:00Z, got "tomorrow"',
      "starts_in_hours: cannot be combined with start_time",
    ]);
    expect(parse({ duration_hours: 2 })).toEqual({ reason: "duration_hours: needs starts_in_hours or start_time" });
    expect(parse({ starts_in_hours: 1, duration_hours: -1 })).toEqual({ reason: "duration_hours: must not be negative" });
  });

  it("explains a line that is not a JSON object", () => {
    expect(parse("{oops")).toEqual({ reason: expect.stringMatching(/^not valid JSON: /) });
    expect(parse("[1,2]")).toEqual({ reason: "must be a JSON object" });
    expect(parse("null")).toEqual({ reason: "must be a JSON object" });
  });
});
