import http from "node:http";
import type { AddressInfo } from "node:net";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ENTRY = fileURLToPath(new URL("./page/app.ts", import.meta.url));

/** Bundles page/app.ts for browsers: one ES module, every dependency inlined. */
export async function bundlePage(): Promise<string> {
  return (await bundleForBrowser(ENTRY)).text;
}

/**
 * Bundles `entry` for browsers as one ES module, resolving packages from `workingDir` (default: this
 * project); `inputs` lists every file that went in.
 */
export async function bundleForBrowser(entry: string, workingDir?: string): Promise<{ text: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [entry],
    ...(workingDir ? { absWorkingDir: workingDir } : {}),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
    metafile: true,
  });
  return { text: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

/** Every way a bundle could still reach for Node: `node:` imports, bare built-ins, process.binding. */
export function nodeBuiltinsIn(bundle: string): string[] {
  const found = new Set<string>();
  for (const m of bundle.matchAll(/(?:require\(\s*|from\s*|import\(\s*)["']([^"']+)["']/g)) {
    const name = m[1]!;
    if (name.startsWith("node:") || builtinModules.includes(name)) found.add(name);
  }
  if (bundle.includes("process.binding")) found.add("process.binding");
  return [...found];
}

const INDEX = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>StuckAI in a browser</title></head>
<body data-state="running">
<h1>StuckAI in a browser</h1>
<script type="module" src="/app.js"></script>
</body>
</html>
`;

export interface PageServer {
  /** http://127.0.0.1:PORT: the page's origin. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves the page and its bundle on its own loopback port, i.e. its own origin. */
export async function servePage(bundle: string): Promise<PageServer> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://page").pathname;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(INDEX);
    } else if (path === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(bundle);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
