import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import type { DataRights } from "../../domain/users/data-rights.js";
import type { InteractionHistory } from "../../domain/users/interaction-history.js";
import type { Profiles } from "../../domain/users/profiles.js";
import { dataRightsHandlers } from "./data-rights-handlers.js";
import { historyHandlers } from "./history-handlers.js";
import { profileHandlers } from "./profile-handlers.js";

/** UserService: profile, history and analytics, and the data-subject rights, each in its own file. */
export function userHandler(deps: {
  profiles: Profiles;
  history: InteractionHistory;
  dataRights: DataRights;
}): ServiceImpl<typeof UserService> {
  return {
    ...profileHandlers(deps.profiles),
    ...historyHandlers(deps.history),
    ...dataRightsHandlers(deps.dataRights),
  };
}
