import type { Client } from "@connectrpc/connect";
import type { UserService } from "../gen/stuckai/user/v1/user_pb.js";
import type { SessionManager } from "./session.js";

/** UserService; `deleteAccount` also forgets the session, whose tokens stop working with the account. */
export type StuckUsersClient = Client<typeof UserService>;

export function createUsersClient(raw: Client<typeof UserService>, session: SessionManager, storesSession: boolean): StuckUsersClient {
  return {
    ...raw,
    async deleteAccount(request, options) {
      const res = await raw.deleteAccount(request, options);
      if (storesSession) await session.clear();
      return res;
    },
  };
}
