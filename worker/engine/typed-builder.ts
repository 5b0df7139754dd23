/** Appendable typed array, so millions of entries never live as JS arrays of numbers or objects. */
export class TypedArrayBuilder<A extends Uint32Array | Float32Array> {
  private buffer: A;
  length = 0;
  constructor(private readonly make: (size: number) => A) {
    this.buffer = make(1024);
  }
  push(v: number): void {
    if (this.length === this.buffer.length) {
      const bigger = this.make(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = v;
  }
  get(k: number): number {
    return this.buffer[k]!;
  }
  /** The entries so far, without copying; valid until the next push. */
  get data(): A {
    return this.buffer;
  }
  /** A copy of exactly the entries pushed. */
  done(): A {
    return this.buffer.slice(0, this.length) as A;
  }
}
