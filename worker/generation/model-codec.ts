/** Typed arrays a packed model may hold. */
export type PackedArray = Uint32Array | Float32Array;

const MAGIC = 0x5354_4b4d; // "STKM"
const KINDS = { u32: Uint32Array, f32: Float32Array } as const;
type Kind = keyof typeof KINDS;

/**
 * A model as bytes: magic, header length, a JSON header (ids, parameters, array layout), then the
 * typed arrays 4-byte aligned. Compact (no JSON for the numbers) and read back without copying.
 */
export function packModel(header: object, arrays: readonly PackedArray[]): Uint8Array {
  const layout = arrays.map((a) => ({ kind: (a instanceof Uint32Array ? "u32" : "f32") as Kind, length: a.length }));
  const json = new TextEncoder().encode(JSON.stringify({ header, layout }));
  const jsonPadded = Math.ceil(json.length / 4) * 4;
  const total = 8 + jsonPadded + arrays.reduce((sum, a) => sum + a.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, json.length, true);
  out.set(json, 8);
  let offset = 8 + jsonPadded;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += a.byteLength;
  }
  return out;
}

export function unpackModel(bytes: Uint8Array): { header: unknown; arrays: PackedArray[] } {
  if (bytes.byteLength < 8) throw new Error("not a packed model: too short");
  // Aligned copy: typed-array views need 4-byte aligned offsets, and a database driver's buffer may not be.
  const own = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const view = new DataView(own.buffer, own.byteOffset, own.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error("not a packed model: bad magic");
  const jsonLength = view.getUint32(4, true);
  const { header, layout } = JSON.parse(new TextDecoder().decode(own.subarray(8, 8 + jsonLength))) as {
    header: unknown;
    layout: { kind: Kind; length: number }[];
  };
  let offset = own.byteOffset + 8 + Math.ceil(jsonLength / 4) * 4;
  const arrays = layout.map(({ kind, length }) => {
    const array = new KINDS[kind](own.buffer as ArrayBuffer, offset, length);
    offset += length * 4;
    return array;
  });
  if (offset > own.byteOffset + own.byteLength) throw new Error("not a packed model: truncated");
  return { header, arrays };
}
