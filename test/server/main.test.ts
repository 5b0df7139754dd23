import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { bearer } from "../helpers/clients.js";
import { runFailingServer, spawnServer } from "../helpers/process.js";

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), "stuckai-main-"));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const connect = (port: number, token?: string) =>
  createClient(
    AuthService,
    createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "1.1", interceptors: token ? [bearer(token)] : [] }),
  );

describe("the server process (npm start)", () => {
  it("starts on the embedded default, keeps accounts and its secret across restarts, and stops cleanly on SIGTERM", async () => {
    const env = { DATA_DIR: dataDir, SCRYPT_LOG_N: "12" };
    const first = await spawnServer(env);
    expect(first.logs.find((l) => l.msg === "listening")).toMatchObject({ database: "sqlite" });
    expect((await fetch(`http://127.0.0.1:${first.port}/health`)).status).toBe(200);
    const reg = await connect(first.port).register({ email: "restart@example.com", password: "passw0rd!", displayName: "R" });
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(first.logs.map((l) => l.msg)).toContain("stopped");
    expect(statSync(path.join(dataDir, "jwt-secret")).mode & 0o777).toBe(0o600);

    const second = await spawnServer(env);
    const me = await connect(second.port, reg.tokens!.accessToken).getCurrentUser({});
    expect(me.user?.email).toBe("restart@example.com");
    expect(await second.stop("SIGINT")).toBe(0);
    // Nothing secret reached the logs.
    const all = JSON.stringify([...first.logs, ...second.logs]);
    expect(all).not.toContain("passw0rd!");
    expect(all).not.toContain(reg.tokens!.accessToken);
    expect(all).not.toContain(reg.tokens!.refreshToken);
  });

  it("refuses to start in production without JWT_SECRET, with a clear message", async () => {
    const { code, stderr } = await runFailingServer({ NODE_ENV: "production", DATA_DIR: dataDir });
    expect(code).toBe(78);
    expect(stderr).toContain("JWT_SECRET is required when NODE_ENV=production");
  });

  it("serves HTTP/2 and HTTP/1.1 over TLS when a certificate is configured", async () => {
    const cert = path.join(dataDir, "tls.crt");
    const key = path.join(dataDir, "tls.key");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"], {
      stdio: "ignore",
    });
    const server = await spawnServer({ DATA_DIR: dataDir, TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
    try {
      const h1 = await new Promise<string>((resolve, reject) =>
        https
          .get({ host: "127.0.0.1", port: server.port, path: "/health", rejectUnauthorized: false }, (res) => resolve(`${res.httpVersion} ${res.statusCode}`))
          .on("error", reject),
      );
      expect(h1).toBe("1.1 200");
      const h2 = createClient(
        AuthService,
        createConnectTransport({ baseUrl: `https://localhost:${server.port}`, httpVersion: "2", nodeOptions: { rejectUnauthorized: false } }),
      );
      await expect(h2.login({ email: "nobody@example.com", password: "whatever1" })).rejects.toThrow(/email or password is incorrect/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
