import { randomBytes } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { IN_PLACE_MAX_BYTES, gzipOptionsFor, sizedGzip } from "../../../server/transport/gzip.js";

/** JSON-like text of `length` bytes whose repeats lie `distance` bytes apart. */
function repeating(length: number, distance: number): Uint8Array {
  const block = Buffer.from(randomBytes(Math.ceil(distance / 2)).toString("hex").slice(0, distance));
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += block.length) block.copy(out, at);
  return out;
}

describe("sizedGzip", () => {
  it("sizes the window to the message: the smallest power of two holding it, from 2^9 to zlib's 2^15", () => {
    expect(gzipOptionsFor(0)).toEqual({ windowBits: 9, memLevel: 3 });
    expect(gzipOptionsFor(1024)).toEqual({ windowBits: 10, memLevel: 4 });
    expect(gzipOptionsFor(1025)).toEqual({ windowBits: 11, memLevel: 5 });
    expect(gzipOptionsFor(8 * 1024)).toEqual({ windowBits: 13, memLevel: 7 });
    expect(gzipOptionsFor(32 * 1024)).toEqual({ windowBits: 15, memLevel: 8 });
    expect(gzipOptionsFor(10 * 1024 * 1024)).toEqual({ windowBits: 15, memLevel: 8 });
  });

  it("writes gzip that any reader decodes, for sizes around every window step", async () => {
    for (const length of [0, 1, 511, 512, 1024, 4097, 8192, 20_000, 32_768, 70_000, 300_000]) {
      const input = repeating(length, 3_000);
      const out = await sizedGzip.compress(input);
      expect(out.buffer).toBeInstanceOf(ArrayBuffer);
      expect(gunzipSync(out).equals(Buffer.from(input)), `${length} bytes`).toBe(true);
      expect(Buffer.from(await sizedGzip.decompress(out, 1_000_000)).equals(Buffer.from(input))).toBe(true);
    }
  });

  it("writes the same bytes whether a message is compressed in place or on the thread pool", async () => {
    for (const length of [IN_PLACE_MAX_BYTES - 1, IN_PLACE_MAX_BYTES, IN_PLACE_MAX_BYTES + 1]) {
      const input = repeating(length, 3_000);
      const expected = gzipSync(input, gzipOptionsFor(length));
      expect(Buffer.from(await sizedGzip.compress(input)).equals(expected), `${length} bytes`).toBe(true);
    }
  });

  it("compresses as well as zlib's default window, also where repeats lie up to 24 KiB apart", async () => {
    for (const [length, distance] of [
      [1_500, 400],
      [8_000, 3_000],
      [60_000, 24_000],
      [200_000, 24_000],
    ] as const) {
      const input = repeating(length, distance);
      const ours = (await sizedGzip.compress(input)).length;
      const zlibDefault = gzipSync(input).length;
      // A window smaller than the repeat distance finds no repeat and is several times larger.
      expect(ours, `${length} bytes, repeats ${distance} apart`).toBeLessThanOrEqual(Math.ceil(zlibDefault * 1.01));
    }
  });

  it("keeps connect-node's decompression bound: past readMaxBytes is resource_exhausted", async () => {
    const bomb = gzipSync(Buffer.alloc(100_000));
    const err = await sizedGzip.decompress(bomb, 1_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
  });
});
