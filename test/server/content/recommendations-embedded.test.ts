import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { ContentService, InteractionType, RecommendationSource, RecommendationStatus } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { client } from "../../helpers/clients.js";
import { spawnServer, type ServerProcess } from "../../helpers/process.js";
import { haversineKm, nextReadyList } from "../../helpers/recommendations.js";
import { TEST_JWT_SECRET } from "../../helpers/server.js";

// What `npm start` runs on a fresh machine: SQLite, in-process cache, queue and jobs, the starter catalog.
describe("recommendations on the embedded default (npm start alone)", () => {
  let dataDir: string;
  let server: ServerProcess;
  let baseUrl: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "stuckai-embedded-"));
    server = await spawnServer({ DATA_DIR: dataDir, JWT_SECRET: TEST_JWT_SECRET, SCRYPT_LOG_N: "12", LOG_LEVEL: "info" });
    baseUrl = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("generates in process: GENERATING, then the list on the stream, then cache hits; a DISLIKE is reflected", async () => {
    const reg = await client(AuthService, "connect-json-h1", baseUrl).register({ email: "embedded@example.com", password: "passw0rd-x", displayName: "E" });
    const content = client(ContentService, "connect-json-h1", baseUrl, reg.tokens!.accessToken);
    const lisbon = { latitude: 38.7103, longitude: -9.1366 };
    const req = { contentType: ContentType.PLACE, location: lisbon, pageSize: 10 };

    expect((await content.getRecommendations(req)).status).toBe(RecommendationStatus.GENERATING);
    const list = await nextReadyList(content, req);
    expect(list.recommendations).toHaveLength(10);
    for (const r of list.recommendations) expect(haversineKm(lisbon, r.item!.location!)).toBeLessThan(10);
    const hit = await content.getRecommendations(req);
    expect(hit.source).toBe(RecommendationSource.CACHE);
    expect(hit.recommendations.map((r) => r.id)).toEqual(list.recommendations.map((r) => r.id));

    const disliked = list.recommendations[0]!;
    await content.logInteraction({ recommendationId: disliked.id, interactionType: InteractionType.DISLIKE });
    const next = await nextReadyList(content, { ...req, pageSize: 50 }, timestampDate(list.generateTime!).getTime());
    expect(next.recommendations.map((r) => r.item!.id)).not.toContain(disliked.item!.id);
    expect(server.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });
});
