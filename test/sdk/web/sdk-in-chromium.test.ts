import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForBrowser, nodeBuiltinsIn, servePage, type PageServer } from "../../browser/page-server.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { consumerProject, packedSdk } from "../helpers/package.js";

/** Debian's package (installed by .ci/run), or a local one named by CHROMIUM_PATH; never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"];
const PROTOCOLS = ["connect", "grpc-web"] as const;
const PAGE = fileURLToPath(new URL("./page/app.mjs", import.meta.url));

// As test/browser: local development without Chromium may skip; CI must not pass without having run this.
describe.skipIf(!present && !process.env.CI)("@stuckai/sdk/web bundled by esbuild, in Chromium on another origin", () => {
  let consumer: string;
  let bundle: string;
  /** The files esbuild put into the bundle, relative to the consumer project. */
  let inputs: string[] = [];
  let page: PageServer;
  let server: TestServer;
  let profileDir: string;
  let browser: BrowserContext;
  const run = `sdkweb${Date.now()}`;

  beforeAll(async () => {
    if (!present) throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install chromium\``);
    // The page is an app of its own that installed the published tarball; esbuild resolves
    // @stuckai/sdk/web through that project's node_modules and the package's exports map.
    consumer = await consumerProject(await packedSdk(), { "app.mjs": readFileSync(PAGE, "utf8") });
    ({ text: bundle, inputs } = await bundleForBrowser(path.join(consumer, "app.mjs"), consumer));
    page = await servePage(bundle);
    server = await startTestServer("sqlite", { STARTER_CATALOG: "always", CORS_ORIGINS: page.origin });
    profileDir = mkdtempSync(path.join(tmpdir(), "stuckai-sdk-chromium-"));
    browser = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await page?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    if (consumer) rmSync(consumer, { recursive: true, force: true });
  });

  it("bundles the installed package's web build without any Node built-in or Node transport", () => {
    expect(nodeBuiltinsIn(bundle)).toEqual([]);
    for (const needle of ['require("node:', 'from "node:', "process.binding", "Http2SessionManager"]) expect(bundle).not.toContain(needle);
    // Both browser protocols made it in, from the tarball's ESM build.
    expect(bundle).toMatch(/connect-protocol-version/i);
    expect(bundle).toContain("application/grpc-web+proto");
    const sdkFiles = inputs.filter((f) => f.includes("@stuckai/sdk/"));
    expect(sdkFiles.length).toBeGreaterThan(0);
    expect(sdkFiles.every((f) => f.startsWith("node_modules/@stuckai/sdk/dist/esm/"))).toBe(true);
    expect(inputs.some((f) => f.includes("connect-node"))).toBe(false);
  });

  it("registers, logs in, updates the profile, waits for recommendations and likes one over Connect and gRPC-Web", async () => {
    const tab = await browser.newPage();
    const problems: string[] = [];
    tab.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    try {
      await tab.goto(`${page.origin}/?api=${encodeURIComponent(server.baseUrl)}&run=${run}`);
      await tab.waitForSelector("body[data-state=done]", { timeout: 60_000 }).catch((err: unknown) => {
        throw new Error(`the page did not finish (${problems.join("; ")}): ${String(err)}`);
      });
      expect(problems).toEqual([]);
      const likes = new Set<string>();
      for (const protocol of PROTOCOLS) {
        const shown = await tab.$$eval(`#${protocol} dd`, (dds) => Object.fromEntries(dds.map((dd) => [(dd as HTMLElement).dataset.field ?? "", dd.textContent ?? ""])));
        const email = `${run}.${protocol}@example.com`;
        expect(shown, protocol).toMatchObject({
          outcome: "ok",
          pageOrigin: page.origin,
          interests: "cinema,jazz",
          status: "READY",
          duplicate: `EMAIL_TAKEN ${run}-${protocol}-dup`,
          storedUser: email,
          afterReloadUser: email,
          storedAfterLogout: "null",
          sessionEvents: "in,in,out",
        });
        expect(shown.loginId).toBe(shown.registeredId);
        expect(Number(shown.count)).toBeGreaterThan(0);
        const rows = (await server.app.orm.em
          .getConnection()
          .execute("select user_id, recommendation_id, interaction_type, device from user_interactions where id = ?", [shown.likeId])) as Record<string, string>[];
        expect(rows, protocol).toEqual([{ user_id: shown.registeredId, recommendation_id: shown.topId, interaction_type: "like", device: "web" }]);
        likes.add(shown.likeId!);
      }
      expect(likes.size).toBe(2);
      expect(new URL(page.origin).port).not.toBe(String(server.app.port));
    } finally {
      await tab.close();
    }
  });
});
