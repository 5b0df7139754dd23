import { Code } from "@connectrpc/connect";
import type { TokenPair } from "../gen/stuckai/auth/v1/auth_pb.js";
import type { Clock } from "./clock.js";
import { StuckError } from "./errors.js";
import { sessionFromTokens, type AuthSession, type TokenStore } from "./token-store.js";

export type SessionListener = (session: AuthSession | undefined) => void;

/**
 * Owns the session of one client: reads and writes the token store, tells listeners about changes,
 * and refreshes the token pair at most once at a time. Refresh tokens rotate on every use and the
 * server ends the whole session when a rotated one is presented again, so two concurrent refreshes
 * with the same token would log the user out: every caller joins the one refresh in flight.
 */
export class SessionManager {
  private inflight: Promise<AuthSession> | undefined;
  private readonly listeners = new Set<SessionListener>();

  constructor(
    private readonly store: TokenStore,
    private readonly refreshCall: (refreshToken: string) => Promise<TokenPair>,
    private readonly clock: Clock,
    /** Refresh this long before the access token's known expiry, to absorb latency and clock skew. */
    private readonly skewMs: number,
  ) {}

  async get(): Promise<AuthSession | undefined> {
    return (await this.store.get()) ?? undefined;
  }

  async set(session: AuthSession): Promise<void> {
    await this.store.set(session);
    this.notify(session);
  }

  async clear(): Promise<void> {
    await this.store.clear();
    this.notify(undefined);
  }

  onChange(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The access token to send now, refreshed first when the stored one is known to have expired. */
  async accessToken(): Promise<string | undefined> {
    const session = await this.get();
    if (!session) return undefined;
    const expiresAt = session.accessTokenExpiresAt;
    if (expiresAt !== undefined && expiresAt - this.skewMs <= this.clock.now()) {
      return (await this.refresh(session.accessToken)).accessToken;
    }
    return session.accessToken;
  }

  /**
   * Replaces the session's token pair with a fresh one. `staleAccessToken` is the token a call was
   * refused with: when the store already holds another one, someone else refreshed and that one is
   * returned without asking the server. A refresh the server refuses ends the session.
   */
  refresh(staleAccessToken?: string): Promise<AuthSession> {
    // Assigned synchronously, before any await, so concurrent callers cannot both start one.
    this.inflight ??= this.doRefresh(staleAccessToken).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async doRefresh(staleAccessToken: string | undefined): Promise<AuthSession> {
    const current = await this.get();
    if (!current) throw new StuckError("no session to refresh: log in first", Code.Unauthenticated);
    if (staleAccessToken !== undefined && current.accessToken !== staleAccessToken) return current;
    let tokens: TokenPair;
    try {
      tokens = await this.refreshCall(current.refreshToken);
    } catch (e) {
      const err = StuckError.from(e);
      // Expired, revoked or reused: the session cannot come back. Network trouble keeps it.
      if (err.code === Code.Unauthenticated) await this.clear();
      throw err;
    }
    const next = sessionFromTokens(tokens, current.user);
    await this.set(next);
    return next;
  }

  private notify(session: AuthSession | undefined): void {
    for (const listener of this.listeners) {
      try {
        listener(session);
      } catch {
        // A failing listener must not break the call that changed the session.
      }
    }
  }
}
