import type { Redis } from "ioredis";
import { checkPresenceOptions, type AccountPresence, type AccountPresenceOptions } from "../../domain/ports/account-presence.js";
import { asError, firstConnection, withTimeout } from "../redis-calls.js";

const EXISTS = "1";
const ERASED = "0";

/** Deletes the mark only while it says erased: an "exists" written since is not the erasure's to remove. */
const UNMARK_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
const UNMARK_COMMAND = "stuckaiAccountUnmarkErased";
type UnmarkCommand = (key: string, erased: string) => Promise<number>;

export interface RedisAccountPresenceOptions extends AccountPresenceOptions {
  /** Prepended to every key; lets tests and deployments share one Redis. */
  readonly prefix: string;
  /** A call slower than this counts as failed ("not known" for `known`), so a hung Redis cannot stall calls. */
  readonly timeoutMs?: number;
}

/**
 * Account presence in Redis, shared by every API process: `account:{userId}` holds "1" (exists,
 * written with SET NX, so never over an erasure) or "0" (erased, written with a plain SET), each
 * with its PX TTL. A check is one GET on the app's shared connection, in place of a database read.
 */
export class RedisAccountPresence implements AccountPresence {
  private readonly unmarkCommand: UnmarkCommand;
  private readonly timeoutMs: number;
  private readonly connected: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisAccountPresenceOptions,
  ) {
    checkPresenceOptions(options);
    this.connected = firstConnection(redis);
    if (!(UNMARK_COMMAND in redis)) redis.defineCommand(UNMARK_COMMAND, { numberOfKeys: 1, lua: UNMARK_SCRIPT });
    this.unmarkCommand = (redis as unknown as Record<string, UnmarkCommand>)[UNMARK_COMMAND]!.bind(redis);
    this.timeoutMs = options.timeoutMs ?? 250;
  }

  async known(userId: string): Promise<boolean | undefined> {
    try {
      const mark = await this.call("known", () => this.redis.get(this.key(userId)));
      return mark === EXISTS ? true : mark === ERASED ? false : undefined;
    } catch (err) {
      this.options.onError?.(asError(err));
      return undefined;
    }
  }

  async rememberExists(userId: string): Promise<void> {
    try {
      await this.call("rememberExists", () => this.redis.set(this.key(userId), EXISTS, "PX", this.options.existsTtlMs, "NX"));
    } catch (err) {
      this.options.onError?.(asError(err));
    }
  }

  async markErased(userId: string): Promise<void> {
    try {
      await this.call("markErased", () => this.redis.set(this.key(userId), ERASED, "PX", this.options.erasedTtlMs));
    } catch (err) {
      // Reported too: the caller's refusal says "retry", the log says why.
      this.options.onError?.(asError(err));
      throw err;
    }
  }

  async unmarkErased(userId: string): Promise<void> {
    try {
      await this.call("unmarkErased", () => this.unmarkCommand(this.key(userId), ERASED));
    } catch (err) {
      this.options.onError?.(asError(err));
    }
  }

  private key(userId: string): string {
    return `${this.options.prefix}account:${userId}`;
  }

  private call<T>(name: string, command: () => Promise<T>): Promise<T> {
    const run = async () => {
      if (this.connected && this.redis.status !== "ready") await this.connected;
      return command();
    };
    return withTimeout(run(), this.timeoutMs, `account presence: Redis did not answer ${name} within ${this.timeoutMs} ms`);
  }
}
