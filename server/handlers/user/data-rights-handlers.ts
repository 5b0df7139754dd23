// STUB — to be implemented.
import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import type { DataRights } from "../../domain/users/data-rights.js";
import { notImplemented } from "../not-implemented.js";
import { UserService as Desc } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";

export function dataRightsHandlers(_rights: DataRights): Pick<ServiceImpl<typeof UserService>, "exportUserData" | "deleteAccount"> {
  const s = notImplemented(Desc);
  return { exportUserData: s.exportUserData, deleteAccount: s.deleteAccount };
}
