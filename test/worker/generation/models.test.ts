import { describe, expect, it } from "vitest";
import type { ContentItemRecord } from "../../../server/domain/content/records.js";
import { buildItemSimilarity, neighboursOf } from "../../../worker/engine/item-similarity.js";
import { syntheticInteractions } from "../../../worker/engine/synthetic-catalog.js";
import { packModel, unpackModel } from "../../../worker/generation/model-codec.js";
import { decodeSimilarity, encodeSimilarity } from "../../../worker/generation/similarity-codec.js";
import { StoredModel, type ModelStore } from "../../../worker/generation/stored-model.js";

const NOW = new Date("2026-11-28T12:00:00Z");

describe("packed models", () => {
  it("round-trips a header and typed arrays, also from an unaligned buffer as drivers hand it out", () => {
    const bytes = packModel({ ids: ["a", "ü"] }, [Uint32Array.of(1, 2, 4_000_000_000), Float32Array.of(0.5, -1.25)]);
    const unaligned = new Uint8Array(bytes.length + 1);
    unaligned.set(bytes, 1);
    for (const input of [bytes, unaligned.subarray(1)]) {
      const { header, arrays } = unpackModel(input);
      expect(header).toEqual({ ids: ["a", "ü"] });
      expect([...arrays[0]!]).toEqual([1, 2, 4_000_000_000]);
      expect([...arrays[1]!]).toEqual([0.5, -1.25]);
    }
  });

  it("refuses bytes that are not a model, or were cut short", () => {
    expect(() => unpackModel(new Uint8Array(12))).toThrow(/bad magic/);
    const bytes = packModel({}, [new Float32Array(10)]);
    expect(() => unpackModel(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
  });

  it("stores item similarity so a loaded copy answers exactly as the original", () => {
    const items = Array.from({ length: 300 }, (_, i) => ({ id: `item-${i}`, contentType: i % 2 ? "music" : "place" }) as ContentItemRecord);
    const model = buildItemSimilarity(syntheticInteractions(items, 200, 30, NOW), { topK: 20, now: NOW });
    const copy = decodeSimilarity(encodeSimilarity(model));
    expect(copy.itemIds).toEqual(model.itemIds);
    const sample = model.itemIds.filter((id) => neighboursOf(model, id).length > 0).slice(0, 20);
    expect(sample.length).toBeGreaterThan(5);
    for (const id of sample) expect(neighboursOf(copy, id)).toEqual(neighboursOf(model, id));
    expect([...copy.mostEngaged.music]).toEqual([...model.mostEngaged.music]);
  });
});

describe("StoredModel", () => {
  const memoryStore = () => {
    const rows = new Map<string, { data: Uint8Array; trainedAt: Date }>();
    let loads = 0;
    const store: ModelStore = {
      trainedAt: async (name) => rows.get(name)?.trainedAt,
      load: async (name) => (loads++, rows.get(name)),
      save: async (name, data, trainedAt) => void rows.set(name, { data, trainedAt }),
    };
    return { store, rows, loads: () => loads };
  };
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);

  it("loads another process's newer model after the check interval, and only then", async () => {
    const { store, loads } = memoryStore();
    let clock = 0;
    const mine = new StoredModel(store, "m", decode, { checkMs: 1000, now: () => clock });
    expect(await mine.current()).toBeUndefined();
    await store.save("m", new TextEncoder().encode("v1"), new Date(1));
    clock = 500;
    expect(await mine.current()).toBeUndefined(); // not checked again yet
    clock = 1000;
    expect(await mine.current()).toBe("v1");
    clock = 2000;
    expect(await mine.current()).toBe("v1");
    expect(loads()).toBe(1); // same training time: not reloaded
  });

  it("uses a model it published at once, and keeps the copy it has when the store fails", async () => {
    const { store } = memoryStore();
    const errors: Error[] = [];
    let clock = 0;
    const mine = new StoredModel(store, "m", decode, { checkMs: 10, now: () => clock, onError: (e) => errors.push(e) });
    await mine.publish("mine", new TextEncoder().encode("mine"), new Date(5));
    expect(await mine.current()).toBe("mine");
    await new Promise((r) => setImmediate(r)); // the check started by that read finishes
    store.trainedAt = async () => {
      throw new Error("database down");
    };
    clock = 100;
    expect(await mine.current()).toBe("mine");
    await new Promise((r) => setImmediate(r));
    expect(errors.map((e) => e.message)).toEqual(["database down"]);
  });
});
