import { CONTENT_KINDS, type ContentKind } from "../../server/domain/content/kinds.js";
import type { ItemSimilarity } from "../engine/item-similarity.js";
import { packModel, unpackModel } from "./model-codec.js";

export const SIMILARITY_MODEL = "item-similarity";

interface Header {
  version: 1;
  itemIds: string[];
  contentType: ContentKind[];
}

export function encodeSimilarity(sim: ItemSimilarity): Uint8Array {
  const header: Header = { version: 1, itemIds: [...sim.itemIds], contentType: [...sim.contentType] };
  return packModel(header, [sim.neighbourStart, sim.neighbour, sim.similarity, sim.engagement, ...CONTENT_KINDS.map((k) => sim.mostEngaged[k])]);
}

export function decodeSimilarity(bytes: Uint8Array): ItemSimilarity {
  const { header, arrays } = unpackModel(bytes);
  const h = header as Header;
  if (h.version !== 1) throw new Error(`unknown item-similarity model version ${String(h.version)}`);
  const [neighbourStart, neighbour, similarity, engagement, ...engaged] = arrays;
  const mostEngaged = {} as Record<ContentKind, Uint32Array>;
  CONTENT_KINDS.forEach((kind, i) => (mostEngaged[kind] = engaged[i] as Uint32Array));
  return {
    itemIds: h.itemIds,
    position: new Map(h.itemIds.map((id, i) => [id, i])),
    contentType: h.contentType,
    neighbourStart: neighbourStart as Uint32Array,
    neighbour: neighbour as Uint32Array,
    similarity: similarity as Float32Array,
    engagement: engagement as Float32Array,
    mostEngaged,
  };
}
