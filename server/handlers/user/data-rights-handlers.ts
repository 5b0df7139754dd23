import { create, toJsonString } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  ExportUserDataResponseSchema,
  SessionSchema,
  type UserService,
} from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import type { DataRights, SessionRecord } from "../../domain/users/data-rights.js";
import { toUser } from "../auth-handler.js";
import { toInteraction, toRecommendation } from "../content-convert.js";
import { toTimestamp } from "../convert.js";
import { requirePrincipal } from "../principal.js";
import { toProfile } from "./profile-convert.js";

/** ExportUserData and DeleteAccount: thin translation to DataRights, always acting on the caller. */
export function dataRightsHandlers(rights: DataRights): Pick<ServiceImpl<typeof UserService>, "exportUserData" | "deleteAccount"> {
  return {
    async exportUserData(_req, ctx: HandlerContext) {
      const data = await rights.exportData(requirePrincipal(ctx).userId);
      const res = create(ExportUserDataResponseSchema, {
        account: toUser(data.account),
        profile: toProfile(data.profile),
        interactions: data.interactions.map(toInteraction),
        recommendations: data.recommendations.map((r) => toRecommendation(r.record, r.item)),
        sessions: data.sessions.map(toSession),
        exportTime: toTimestamp(data.exportedAt),
      });
      // The canonical proto3 JSON of the message itself, so the document parses back into the same export.
      res.jsonDocument = toJsonString(ExportUserDataResponseSchema, res, { prettySpaces: 2 });
      return res;
    },
    async deleteAccount(req, ctx: HandlerContext) {
      await rights.deleteAccount(requirePrincipal(ctx).userId, req.password);
      return {};
    },
  };
}

function toSession(s: SessionRecord) {
  return create(SessionSchema, {
    id: s.id,
    createTime: toTimestamp(s.createdAt),
    expireTime: toTimestamp(s.expiresAt),
    revokeTime: toTimestamp(s.revokedAt),
  });
}
