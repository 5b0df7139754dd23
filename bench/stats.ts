/** Latency summaries and small helpers shared by the benchmark's processes. */

export interface LatencySummary {
  /** Samples the summary is made of. */
  readonly n: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Percentiles (nearest rank) of latencies in ms; every field is NaN without samples. */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const n = samples.length;
  if (n === 0) return { n, mean: NaN, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  return { n, mean: sum / n, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted[n - 1]! };
}

/** A growable array of doubles (latencies), cheaper than number[] at a million samples. */
export class Samples {
  private data = new Float64Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A 5-byte gRPC length prefix (uncompressed) followed by the message. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** Splits complete gRPC frames off the front of `buffer`; returns them and the unconsumed rest. */
export function splitFrames(buffer: Buffer): { frames: { compressed: boolean; message: Buffer }[]; rest: Buffer } {
  const frames: { compressed: boolean; message: Buffer }[] = [];
  let offset = 0;
  while (buffer.length - offset >= 5) {
    const length = buffer.readUInt32BE(offset + 1);
    if (buffer.length - offset < 5 + length) break;
    frames.push({ compressed: (buffer[offset]! & 1) === 1, message: buffer.subarray(offset + 5, offset + 5 + length) });
    offset += 5 + length;
  }
  return { frames, rest: buffer.subarray(offset) };
}

/**
 * The lowest heap sample of the first and of the last quarter of the load: single samples ride the
 * garbage collector's sawtooth, the floors are what survived collection.
 */
export function heapFloors(series: readonly [number, number][]): { firstQuarterFloor?: number; lastQuarterFloor?: number } {
  const quarter = Math.floor(series.length / 4);
  if (quarter === 0) return {};
  const floor = (part: readonly [number, number][]) => Math.min(...part.map(([, v]) => v));
  return { firstQuarterFloor: floor(series.slice(0, quarter)), lastQuarterFloor: floor(series.slice(-quarter)) };
}
