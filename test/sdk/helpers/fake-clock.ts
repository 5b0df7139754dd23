import type { Clock } from "../../../sdk/src/index.js";

/** A clock whose sleeps return at once and are recorded, with time moving on by each sleep. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  // Starts at the real time: sessions compare token expiry times from the server with it.
  private t = Date.now();

  now(): number {
    return this.t;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.t += ms;
  }
}
