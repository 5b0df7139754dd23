import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../../../server/domain/errors.js";
import type { InteractionFilter } from "../../../../server/domain/users/interaction-history.js";
import { PageTokens } from "../../../../server/domain/users/page-tokens.js";

const USER = "7d2c1c8e-4f7e-4b52-9d7e-1f6a1e0c0001";
const OTHER = "7d2c1c8e-4f7e-4b52-9d7e-1f6a1e0c0002";
const cursor = { createdAt: new Date("2024-05-06T07:08:09.123Z"), id: "0b9e4c1a-3f4e-4d8b-9a55-6c2f8e1d7a10" };
const filter: InteractionFilter = { contentType: "movie", interactionType: "view" };

function rejection(decode: () => unknown): DomainError {
  try {
    decode();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    const e = err as DomainError;
    expect({ kind: e.kind, reason: e.reason, fields: e.violations.map((v) => v.field) }).toEqual({
      kind: "invalid_argument",
      reason: "VALIDATION_ERROR",
      fields: ["page_token"],
    });
    return e;
  }
  throw new Error("decode should have failed");
}

/** Replaces the character at `i` by another valid base64url character. */
const flip = (token: string, i: number) => token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);

describe("PageTokens", () => {
  const tokens = new PageTokens(randomBytes(32));

  it("round-trips the cursor for the same user and filter, as an opaque base64url string", () => {
    const token = tokens.encode(USER, filter, cursor);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).not.toContain(USER);
    expect(tokens.decode(token, USER, { interactionType: "view", contentType: "movie" })).toEqual(cursor);
    expect(tokens.decode(tokens.encode(USER, {}, cursor), USER, {})).toEqual(cursor);
  });

  it("refuses another user's token and a token of other filters, telling the caller to start again", () => {
    const token = tokens.encode(USER, filter, cursor);
    for (const [who, f] of [
      [OTHER, filter],
      [USER, { contentType: "movie" }],
      [USER, { contentType: "music", interactionType: "view" }],
      [USER, {}],
    ] as const) {
      expect(rejection(() => tokens.decode(token, who, f)).message).toMatch(/different query.*start again without it/);
    }
    // Moving one filter into the other slot is a different query too.
    const onlyType = tokens.encode(USER, { interactionType: "view" }, cursor);
    rejection(() => tokens.decode(onlyType, USER, { contentType: "movie" }));
  });

  it("refuses every single-character alteration, truncation, garbage and tokens of another key", () => {
    const token = tokens.encode(USER, filter, cursor);
    for (let i = 0; i < token.length; i++) {
      expect(rejection(() => tokens.decode(flip(token, i), USER, filter)).message).toMatch(/not a token this server issued/);
    }
    for (const bad of [token.slice(0, -1), token.slice(0, 10), `${token}A`, `${token}=`, `${token.slice(0, 5)}!${token.slice(5)}`, "garbage", "-", "%%%"]) {
      rejection(() => tokens.decode(bad, USER, filter));
    }
    rejection(() => tokens.decode(new PageTokens(randomBytes(32)).encode(USER, filter, cursor), USER, filter));
  });

  it("needs a key of at least 256 bits", () => {
    expect(() => new PageTokens(randomBytes(16))).toThrow(/32 bytes/);
  });
});
