import { describe, expect, it } from "vitest";
import { UUID, nameUuid } from "../../../server/domain/ids.js";
import { entryTag } from "../../../server/domain/ports/recommendation-cache.js";

describe("nameUuid", () => {
  it("gives the same id for the same name in every release, since stored lists and clients hold these ids", () => {
    // Pinned values: a change of hash, encoding or layout would re-id every recommendation at once.
    expect(nameUuid("recommendation:u:place:u4pruy:i")).toBe("0defe18f-e7e4-5a13-b1ba-7aa11d941572");
    expect(nameUuid("")).toBe("e3b0c442-98fc-5c14-9afb-f4c8996fb924");
    // A name outside ASCII: hashed as UTF-8, which a change of string encoding would break.
    expect(nameUuid("münchen ☕")).toBe("ab9a1f75-b32a-51e0-a308-426491b26c98");
    expect(nameUuid("a")).not.toBe(nameUuid("b"));
  });

  it("sets the version 5 and RFC 4122 variant bits", () => {
    for (const name of ["x", "recommendation:1", "∞"]) {
      const id = nameUuid(name);
      expect(id).toMatch(UUID);
      expect(id[14]).toBe("5");
      expect("89ab").toContain(id[19]);
    }
  });
});

describe("entryTag", () => {
  it("is the first 128 bits of the bytes' SHA-256 in hex", () => {
    expect(entryTag(new Uint8Array([1, 2, 3]))).toBe("039058c6f2c0cb492c533b0a4d14ef77");
    expect(entryTag(new Uint8Array())).toBe("e3b0c44298fc1c149afbf4c8996fb924");
  });
});
