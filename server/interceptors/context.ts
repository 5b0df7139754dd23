import { createContextKey } from "@connectrpc/connect";
import type { Principal } from "../domain/auth/access-tokens.js";

/** The request id of the current call (incoming `x-request-id`, else generated). */
export const requestIdKey = createContextKey<string>("", { description: "request id" });

/** The authenticated caller; undefined on public RPCs called without a token. */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "principal" });
