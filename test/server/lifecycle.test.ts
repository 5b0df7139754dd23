import { execFileSync } from "node:child_process";
import https from "node:https";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../sdk/src/gen/grpc/health/v1/health_pb.js";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { expectRpcError } from "../helpers/errors.js";
import { spawnServer } from "../helpers/process.js";
import { parseMetrics, valueOf, type Sample } from "../helpers/prometheus.js";

const GRACE_MS = 20_000;
let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), "stuckai-lifecycle-"));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Clients for either mode; TLS uses a throwaway self-signed certificate. */
function clients(port: number, tls: boolean) {
  const baseUrl = `${tls ? "https://localhost" : "http://127.0.0.1"}:${port}`;
  const nodeOptions = tls ? { rejectUnauthorized: false } : {};
  return {
    grpc: createGrpcTransport({ baseUrl, nodeOptions }),
    connectH1: createConnectTransport({ baseUrl, httpVersion: "1.1", nodeOptions }),
    async metrics(): Promise<Sample[]> {
      if (!tls) return parseMetrics(await (await fetch(`${baseUrl}/metrics`)).text());
      const text = await new Promise<string>((resolve, reject) =>
        https
          .get(`${baseUrl}/metrics`, { rejectUnauthorized: false }, (res) => {
            let body = "";
            res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve(body));
          })
          .on("error", reject),
      );
      return parseMetrics(text);
    },
  };
}

describe.each([
  ["cleartext (h2c and HTTP/1.1)", false],
  ["TLS (h2 and HTTP/1.1 by ALPN)", true],
])("graceful shutdown of the server process, %s", (_, tls) => {
  it("on SIGTERM finishes in-flight unary calls, ends streams with unavailable, logs no error and exits 0", async () => {
    const env: Record<string, string> = { DATA_DIR: dataDir, SCRYPT_LOG_N: "17", SHUTDOWN_GRACE_MS: String(GRACE_MS) };
    if (tls) {
      env.TLS_CERT_FILE = path.join(dataDir, "tls.crt");
      env.TLS_KEY_FILE = path.join(dataDir, "tls.key");
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", env.TLS_KEY_FILE, "-out", env.TLS_CERT_FILE, "-days", "1", "-subj", "/CN=localhost"], {
        stdio: "ignore",
      });
    }
    // scrypt at 2^17 keeps a Register busy long enough to be caught in flight.
    const server = await spawnServer(env);
    try {
      const c = clients(server.port, tls);
      const stream = createClient(Health, c.grpc).watch({ service: "" })[Symbol.asyncIterator]();
      expect((await stream.next()).value?.status).toBe(Status.SERVING);
      // Settles (never rejects) with how the stream ended, so its end may come before anyone awaits it.
      const streamEnd = (async () => {
        for (let r = await stream.next(); !r.done; r = await stream.next());
      })().then(
        () => undefined,
        (err: unknown) => err,
      );

      const register = (transport: typeof c.grpc, email: string) =>
        createClient(AuthService, transport).register({ email, password: "correct horse 42", displayName: "Drain" });
      const overH2 = register(c.grpc, `drain.h2.${tls}@example.com`);
      const overH1 = register(c.connectH1, `drain.h1.${tls}@example.com`);
      let settled = false;
      void Promise.allSettled([overH2, overH1]).then(() => (settled = true));
      // Signal only once the server is running both calls, so they are truly in flight.
      for (;;) {
        if (settled) throw new Error("the Registers finished before both were seen in flight; raise SCRYPT_LOG_N here");
        const samples = await c.metrics();
        const running = (protocol: string) =>
          valueOf(samples, "stuckai_rpc_in_flight", { procedure: "stuckai.auth.v1.AuthService/Register", protocol });
        if (running("grpc") === 1 && running("connect") === 1) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const signalledAt = Date.now();
      const exited = server.stop("SIGTERM");

      const [h2, h1] = await Promise.all([overH2, overH1]);
      expect(h2.user?.email).toBe(`drain.h2.${tls}@example.com`);
      expect(h1.user?.email).toBe(`drain.h1.${tls}@example.com`);
      const ended = await expectRpcError(
        streamEnd.then((err) => Promise.reject(err ?? new Error("the stream ended without an error"))),
        { code: Code.Unavailable, reason: "UNAVAILABLE" },
      );
      expect(ended.rawMessage).toBe("server is shutting down, reconnect");
      expect(await exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(GRACE_MS);

      const logs = server.logs;
      expect(logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
      const at = (pred: (l: Record<string, unknown>) => boolean) => logs.findIndex(pred);
      const shuttingDown = at((l) => l.msg === "shutting down");
      expect(shuttingDown).toBeGreaterThan(-1);
      // Both calls ended after the signal, successfully.
      for (const protocol of ["grpc", "connect"]) {
        const line = at((l) => l.procedure === "stuckai.auth.v1.AuthService/Register" && l.protocol === protocol);
        expect(logs[line]).toMatchObject({ msg: "rpc", code: "ok" });
        expect(line).toBeGreaterThan(shuttingDown);
      }
      // The stream's end is expected, so it is logged at info, not as a failure.
      expect(logs.find((l) => l.procedure === "grpc.health.v1.Health/Watch")).toMatchObject({ level: 30, msg: "rpc", code: "unavailable" });
      expect(logs.at(-1)?.msg).toBe("stopped");
    } finally {
      await server.stop("SIGKILL");
    }
  }, 120_000);
});
