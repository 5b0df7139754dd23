import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { appOnPrivateRedis, type AppOnPrivateRedis } from "../helpers/app-on-private-redis.js";
import { client } from "../helpers/clients.js";

describe("when Redis is unreachable the account check warns once, not per call", () => {
  let fixture: AppOnPrivateRedis;

  beforeAll(async () => {
    fixture = await appOnPrivateRedis();
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it("answers every call from the database and logs one line for the outage", { timeout: 60_000 }, async () => {
    const { baseUrl, redis, logs } = fixture;
    const registered = await client(AuthService, "connect-binary-h2", baseUrl).register({ email: "outage@example.com", password: "passw0rd-outage", displayName: "O" });
    const me = client(AuthService, "connect-binary-h2", baseUrl, registered.tokens!.accessToken);
    await redis.stop();
    const logsBefore = logs.length;
    for (let i = 0; i < 6; i++) expect((await me.getCurrentUser({})).user?.email).toBe("outage@example.com");
    const presence = logs.slice(logsBefore).filter((l) => l.component === "account-presence");
    expect(presence, JSON.stringify(presence)).toHaveLength(1);
    expect(presence[0]).toMatchObject({ msg: "account presence error; the database answers", suppressed: 0 });
  });
});
