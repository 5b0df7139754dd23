import { indexIds, type MfModel } from "./model.js";

/**
 * Binary form of an MfModel, for storing it (a database column) and loading it in every worker.
 * Little-endian throughout:
 *
 *   0   "SMF1" magic (4 bytes)      4  format version u32 (= 1)
 *   8   dim u32                     12 item count u32
 *   16  epochs u32                  20 cgSteps u32
 *   24  seed u32                    28 trained users u32
 *   32  trained pairs f64 (may exceed u32)
 *   40  regularization f64          48 regularizationExp f64
 *   56  unobservedWeight f64        64 stddev f64
 *   72  id bytes u32 (length of the id block)
 *   76  ids: per item, u16 UTF-8 length then the bytes; zero-padded to a multiple of 8
 *   ..  item factors: count × dim f32
 *   ..  item Gramian: dim × dim f64
 *
 * User factors are not stored: production folds users in (foldInUser).
 */
/** The name MF snapshots are stored under (model_snapshots.name). */
export const MF_MODEL = "implicit-mf";

const MAGIC = 0x31464d53; // "SMF1" read as a little-endian u32
export const MF_FORMAT_VERSION = 1;
const HEADER = 76;

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeMfModel(model: MfModel): Uint8Array {
  const d = model.dim;
  const n = model.itemIds.length;
  const encoder = new TextEncoder();
  const idBytes = model.itemIds.map((id) => {
    const bytes = encoder.encode(id);
    if (bytes.length > 0xffff) throw new RangeError(`encodeMfModel: item id longer than 65535 bytes`);
    return bytes;
  });
  const idBlock = idBytes.reduce((s, b) => s + 2 + b.length, 0);
  const factorsAt = align8(HEADER + idBlock);
  const gramAt = factorsAt + n * d * 4;
  const total = gramAt + d * d * 8;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const h = model.hyper;
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, MF_FORMAT_VERSION, true);
  view.setUint32(8, d, true);
  view.setUint32(12, n, true);
  view.setUint32(16, h.epochs, true);
  view.setUint32(20, h.cgSteps, true);
  view.setUint32(24, h.seed >>> 0, true);
  view.setUint32(28, model.trainedUsers, true);
  view.setFloat64(32, model.trainedPairs, true);
  view.setFloat64(40, h.regularization, true);
  view.setFloat64(48, h.regularizationExp, true);
  view.setFloat64(56, h.unobservedWeight, true);
  view.setFloat64(64, h.stddev, true);
  view.setUint32(72, idBlock, true);
  let at = HEADER;
  for (const bytes of idBytes) {
    view.setUint16(at, bytes.length, true);
    out.set(bytes, at + 2);
    at += 2 + bytes.length;
  }
  if (littleEndianHost) {
    out.set(new Uint8Array(model.itemFactors.buffer, model.itemFactors.byteOffset, n * d * 4), factorsAt);
    out.set(new Uint8Array(model.itemGramian.buffer, model.itemGramian.byteOffset, d * d * 8), gramAt);
  } else {
    for (let k = 0; k < n * d; k++) view.setFloat32(factorsAt + k * 4, model.itemFactors[k]!, true);
    for (let k = 0; k < d * d; k++) view.setFloat64(gramAt + k * 8, model.itemGramian[k]!, true);
  }
  return out;
}

/** Reads what encodeMfModel wrote; throws a RangeError on a foreign, newer or truncated blob. */
export function decodeMfModel(bytes: Uint8Array): MfModel {
  if (bytes.length < HEADER) throw new RangeError(`decodeMfModel: ${bytes.length} bytes is shorter than the header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new RangeError("decodeMfModel: not an MF model (bad magic)");
  const version = view.getUint32(4, true);
  if (version !== MF_FORMAT_VERSION) throw new RangeError(`decodeMfModel: format version ${version}, this build reads ${MF_FORMAT_VERSION}`);
  const d = view.getUint32(8, true);
  const n = view.getUint32(12, true);
  const idBlock = view.getUint32(72, true);
  const factorsAt = align8(HEADER + idBlock);
  const gramAt = factorsAt + n * d * 4;
  const total = gramAt + d * d * 8;
  if (d < 4 || d % 4 !== 0 || bytes.length !== total) throw new RangeError(`decodeMfModel: expected ${total} bytes for ${n} items of dim ${d}, got ${bytes.length}`);

  const decoder = new TextDecoder("utf-8", { fatal: true });
  const itemIds: string[] = new Array<string>(n);
  let at = HEADER;
  for (let k = 0; k < n; k++) {
    if (at + 2 > HEADER + idBlock) throw new RangeError("decodeMfModel: id block truncated");
    const length = view.getUint16(at, true);
    if (at + 2 + length > HEADER + idBlock) throw new RangeError("decodeMfModel: id block truncated");
    itemIds[k] = decoder.decode(bytes.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  // Copies, so the model owns aligned arrays whatever the blob's offset.
  const itemFactors = new Float32Array(n * d);
  const itemGramian = new Float64Array(d * d);
  if (littleEndianHost) {
    new Uint8Array(itemFactors.buffer).set(bytes.subarray(factorsAt, gramAt));
    new Uint8Array(itemGramian.buffer).set(bytes.subarray(gramAt, total));
  } else {
    for (let k = 0; k < n * d; k++) itemFactors[k] = view.getFloat32(factorsAt + k * 4, true);
    for (let k = 0; k < d * d; k++) itemGramian[k] = view.getFloat64(gramAt + k * 8, true);
  }
  const itemIndex = indexIds(itemIds);
  if (itemIndex.size !== n) throw new RangeError("decodeMfModel: repeated item id");
  return {
    hyper: {
      dim: d,
      epochs: view.getUint32(16, true),
      cgSteps: view.getUint32(20, true),
      seed: view.getUint32(24, true),
      regularization: view.getFloat64(40, true),
      regularizationExp: view.getFloat64(48, true),
      unobservedWeight: view.getFloat64(56, true),
      stddev: view.getFloat64(64, true),
    },
    dim: d,
    itemIds,
    itemIndex,
    itemFactors,
    itemGramian,
    trainedUsers: view.getUint32(28, true),
    trainedPairs: view.getFloat64(32, true),
  };
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
