// STUB — to be implemented.
import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import type { InteractionHistory } from "../../domain/users/interaction-history.js";
import { notImplemented } from "../not-implemented.js";
import { UserService as Desc } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";

export function historyHandlers(_history: InteractionHistory): Pick<ServiceImpl<typeof UserService>, "listInteractionHistory" | "getAnalytics"> {
  const s = notImplemented(Desc);
  return { listInteractionHistory: s.listInteractionHistory, getAnalytics: s.getAnalytics };
}
