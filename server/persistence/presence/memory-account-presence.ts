import { checkPresenceOptions, type AccountPresence, type AccountPresenceOptions } from "../../domain/ports/account-presence.js";
import { Lru } from "../../domain/lru.js";

export interface MemoryAccountPresenceOptions extends AccountPresenceOptions {
  /** "exists" marks kept at most (least recently used forgotten first; default 100,000). */
  readonly maxExists?: number;
}

/**
 * Account presence of the embedded default: one process, so its memory is what every call shares.
 * "exists" marks are bounded (forgetting one only costs a database read); erased marks are never
 * evicted before their TTL (they are what stops a token whose database read raced the erasure), and
 * expired ones are swept as new ones come in.
 */
export class MemoryAccountPresence implements AccountPresence {
  private readonly exists: Lru<string, number>;
  private readonly erased = new Map<string, number>();

  constructor(private readonly options: MemoryAccountPresenceOptions) {
    checkPresenceOptions(options);
    this.exists = new Lru(options.maxExists ?? 100_000);
  }

  async known(userId: string): Promise<boolean | undefined> {
    const now = Date.now();
    const erasedUntil = this.erased.get(userId);
    if (erasedUntil !== undefined) {
      if (erasedUntil > now) return false;
      this.erased.delete(userId);
    }
    const existsUntil = this.exists.get(userId);
    if (existsUntil === undefined) return undefined;
    if (existsUntil > now) return true;
    this.exists.delete(userId);
    return undefined;
  }

  async rememberExists(userId: string): Promise<void> {
    if ((await this.known(userId)) !== undefined) return;
    this.exists.set(userId, Date.now() + this.options.existsTtlMs);
  }

  async markErased(userId: string): Promise<void> {
    const now = Date.now();
    for (const [id, until] of this.erased) if (until <= now) this.erased.delete(id);
    this.exists.delete(userId);
    this.erased.set(userId, now + this.options.erasedTtlMs);
  }

  async unmarkErased(userId: string): Promise<void> {
    this.erased.delete(userId);
  }
}
