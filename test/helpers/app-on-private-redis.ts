import { pino } from "pino";
import { startApp, type App } from "../../server/app.js";
import { loadConfig } from "../../server/config/config.js";
import { createTestDatabase } from "./databases.js";
import { PrivateRedis } from "./private-services.js";
import { testEnv } from "./server.js";

export interface AppOnPrivateRedis {
  readonly app: App;
  /** A redis-server of the test's own, so it can be stopped without disturbing anyone else's. */
  readonly redis: PrivateRedis;
  readonly baseUrl: string;
  /** Every line logged at warn or above, parsed. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** The app on a fresh SQLite database and a private Redis (`REDIS_URL`), with its warnings captured. */
export async function appOnPrivateRedis(env: Record<string, string> = {}): Promise<AppOnPrivateRedis> {
  const redis = await PrivateRedis.create();
  const db = await createTestDatabase("sqlite").catch(async (err: unknown) => {
    await redis.stop();
    throw err;
  });
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const app = await startApp(loadConfig(testEnv(db, { REDIS_URL: redis.url, ...env })), logger).catch(async (err: unknown) => {
    await redis.stop();
    await db.drop();
    throw err;
  });
  return {
    app,
    redis,
    baseUrl: `http://127.0.0.1:${app.port}`,
    logs,
    async close() {
      await app.close();
      await redis.stop();
      await db.drop();
    },
  };
}
