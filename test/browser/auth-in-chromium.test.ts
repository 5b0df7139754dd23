import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "@connectrpc/connect";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { makeTransport } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { bundlePage, nodeBuiltinsIn, servePage, type PageServer } from "./page-server.js";

/** Debian's package (installed by .ci/run), or a local one named by CHROMIUM_PATH; never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
// Flags this machine needs: its closed network refuses Chromium's background connections.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];
const PROTOCOLS = ["connect", "grpc-web"] as const;

// Local development without Chromium may skip; CI must not pass without having run this.
describe.skipIf(!present && !process.env.CI)("auth from a page on another origin, in Chromium", () => {
  let bundle: string;
  let allowedPage: PageServer;
  let blockedPage: PageServer;
  let server: TestServer;
  let profileDir: string;
  let browser: BrowserContext;
  const run = `chromium${Date.now()}`;

  beforeAll(async () => {
    if (!present) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install chromium\` (.ci/run does this in CI)`);
    }
    bundle = await bundlePage();
    allowedPage = await servePage(bundle);
    blockedPage = await servePage(bundle);
    server = await startTestServer("sqlite", { CORS_ORIGINS: allowedPage.origin });
    profileDir = mkdtempSync(path.join(tmpdir(), "stuckai-chromium-"));
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await allowedPage?.close();
    await blockedPage?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  /** Opens the page, waits for its script to finish, and returns what each protocol section shows. */
  async function visit(origin: string, runId: string) {
    const page: Page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    const failed: string[] = [];
    page.on("requestfailed", (req) => failed.push(`${req.method()} ${new URL(req.url()).pathname}: ${req.failure()?.errorText}`));
    try {
      await page.goto(`${origin}/?api=${encodeURIComponent(server.baseUrl)}&run=${runId}`);
      await page.waitForSelector("body[data-state=done]", { timeout: 45_000 }).catch((err: unknown) => {
        throw new Error(`the page did not finish (${problems.join("; ")}): ${String(err)}`);
      });
      const shown: Record<string, Record<string, string>> = {};
      for (const protocol of PROTOCOLS) {
        shown[protocol] = await page.$$eval(`#${protocol} dd`, (dds) =>
          Object.fromEntries(dds.map((dd) => [(dd as HTMLElement).dataset.field ?? "", dd.textContent ?? ""])),
        );
      }
      return { shown, problems, failed };
    } finally {
      await page.close();
    }
  }

  it("bundles the page for browsers without any Node built-in", () => {
    // Both protocols' client code made it in (the service itself is an embedded descriptor).
    expect(bundle).toMatch(/connect-protocol-version/i);
    expect(bundle).toContain("application/grpc-web+proto");
    expect(nodeBuiltinsIn(bundle)).toEqual([]);
    for (const needle of ['require("node:', 'from "node:', "process.binding"]) expect(bundle).not.toContain(needle);
  });

  it("registers, logs in, reads the current user and reads error details over Connect and gRPC-Web", async () => {
    const { shown, problems } = await visit(allowedPage.origin, run);
    expect(problems).toEqual([]);
    const ids = new Set<string>();
    for (const protocol of PROTOCOLS) {
      const s = shown[protocol]!;
      const email = `${run}.${protocol}@example.com`;
      expect(s, protocol).toMatchObject({
        outcome: "ok",
        email,
        pageOrigin: allowedPage.origin,
        currentUserEmail: email,
        duplicate: "refused",
        errorCode: "AlreadyExists",
        errorReason: "EMAIL_TAKEN",
        errorInfoRequestId: `${run}-${protocol}-dup`,
      });
      // The id the page sent comes back in a header the page may read only because CORS exposes it
      // (gRPC-Web clients also merge in the copy from the trailers frame, which CORS does not govern).
      const headerIds = s.errorHeaderRequestId!.split(",").map((v) => v.trim());
      expect(headerIds, protocol).toEqual(protocol === "grpc-web" ? [`${run}-${protocol}-dup`, `${run}-${protocol}-dup`] : [`${run}-${protocol}-dup`]);
      expect(s.registeredId, protocol).toMatch(/^[0-9a-f-]{36}$/);
      expect(s.loginId, protocol).toBe(s.registeredId);
      expect(s.currentUserId, protocol).toBe(s.registeredId);
      expect(s.registerRequestId, protocol).toMatch(/^[0-9a-f-]{36}$/);
      ids.add(s.registeredId!);
    }
    expect(ids.size, "one account per protocol").toBe(2);
    expect(new URL(allowedPage.origin).port).not.toBe(String(server.app.port));
  });

  it("fails from a page on an origin that CORS_ORIGINS does not list, before any call reaches a handler", async () => {
    const blockedRun = `${run}blocked`;
    const { shown, failed } = await visit(blockedPage.origin, blockedRun);
    for (const protocol of PROTOCOLS) {
      expect(shown[protocol], protocol).toMatchObject({ outcome: "failed", pageOrigin: blockedPage.origin });
      expect(shown[protocol]!.registeredId, protocol).toBeUndefined();
    }
    expect(failed.filter((f) => f.includes("/stuckai.auth.v1.AuthService/Register")).length).toBeGreaterThanOrEqual(2);
    // The refused preflight stopped the POSTs: neither account exists, so Node can still register them.
    const auth = createClient(AuthService, makeTransport("connect-json-h1", server.baseUrl));
    for (const protocol of PROTOCOLS) {
      const email = `${blockedRun}.${protocol}@example.com`;
      const reg = await auth.register({ email, password: "browser-passw0rd", displayName: "Node" });
      expect(reg.user?.email).toBe(email);
    }
  });
});
