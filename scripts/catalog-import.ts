/**
 * `npm run catalog:import -- FILE.jsonl [--batch 1000]`: imports a JSON Lines catalog file (the
 * format of catalog/starter/, see its README) into the database the api uses (DATABASE_URL, or
 * the SQLite file under DATA_DIR), through the same validation as ImportContentItems.
 *
 * Exit codes: 0 every line imported; 1 the file is missing or unreadable, the command line is
 * wrong or the import failed; 2 some lines were rejected (the others are imported); 78 bad
 * configuration. The summary goes to stdout, progress to stderr.
 */
import { open, type FileHandle } from "node:fs/promises";
import { pino } from "pino";
import { loadConfig } from "../server/config/config.js";
import { loadOrExit } from "../server/config/load-or-exit.js";
import { Catalog, MAX_IMPORT_ITEMS } from "../server/domain/content/catalog.js";
import { openDatabase } from "../server/persistence/orm.js";
import { OrmCatalogStore } from "../server/persistence/stores/catalog-store.js";
import { importJsonLines } from "./catalog-import/import-file.js";
import { progressReporter } from "./catalog-import/progress.js";

const PROGRAM = "catalog-import";
const USAGE = `usage: npm run catalog:import -- FILE.jsonl [--batch N]   (N items per transaction, 1-${MAX_IMPORT_ITEMS}, default ${MAX_IMPORT_ITEMS})`;
const SHOWN_REJECTIONS = 10;

function fail(message: string): never {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv: string[]): { file: string; batch: number } {
  let file: string | undefined;
  let batch = MAX_IMPORT_ITEMS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (arg === "--batch" || arg.startsWith("--batch=")) {
      const value = arg === "--batch" ? argv[++i] : arg.slice("--batch=".length);
      batch = Number(value);
      if (!Number.isInteger(batch) || batch < 1 || batch > MAX_IMPORT_ITEMS) fail(`--batch must be an integer in [1, ${MAX_IMPORT_ITEMS}], got "${value ?? ""}"\n${USAGE}`);
    } else if (arg.startsWith("-")) {
      fail(`unknown option ${arg}\n${USAGE}`);
    } else if (file === undefined) {
      file = arg;
    } else {
      fail(`one file at a time, got "${file}" and "${arg}"\n${USAGE}`);
    }
  }
  if (file === undefined) fail(`no file given\n${USAGE}`);
  return { file, batch };
}

async function openFile(file: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail(code === "ENOENT" ? `no file at ${file}` : `cannot read ${file}: ${(err as Error).message}`);
  }
  const stat = await handle.stat();
  if (!stat.isFile()) fail(`${file} is not a regular file`);
  return { handle, size: stat.size };
}

async function main(): Promise<void> {
  const { file, batch } = parseArgs(process.argv.slice(2));
  const config = loadOrExit(PROGRAM, () => loadConfig());
  const { handle, size } = await openFile(file);
  // stdout carries the summary only; logs (migrations, the ORM's warnings) go to stderr.
  const logger = pino({ level: config.logLevel, base: { service: PROGRAM } }, pino.destination(2));
  const database = config.databaseUrl ? "postgres" : `sqlite (${config.dataDir})`;
  const orm = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger }).catch((err: unknown) =>
    fail(`cannot open the database, ${database}: ${(err as Error).message}`),
  );
  const started = performance.now();
  const progress = progressReporter(process.stderr, size, started);
  let result: Awaited<ReturnType<typeof importJsonLines>>;
  try {
    result = await importJsonLines(handle, {
      catalog: new Catalog({ store: new OrmCatalogStore(orm) }),
      batchSize: batch,
      keepRejected: SHOWN_REJECTIONS,
      onProgress: (c) => progress.update(c),
    });
  } catch (err) {
    progress.done();
    fail(`import stopped: ${(err as Error).message} (the batches before it are stored; importing the file again updates them)`);
  } finally {
    await handle.close();
    await orm.close();
  }
  progress.done();

  const seconds = (performance.now() - started) / 1000;
  const { counts, rejected } = result;
  const lines = [
    `imported ${file} into ${database}`,
    `read:     ${counts.lines}`,
    `inserted: ${counts.inserted}`,
    `updated:  ${counts.updated}`,
    `rejected: ${counts.rejected}`,
    `time:     ${seconds.toFixed(2)} s (${Math.round(counts.lines / seconds)} items/s)`,
  ];
  if (rejected.length > 0) {
    lines.push(counts.rejected > rejected.length ? `first ${rejected.length} rejected lines:` : "rejected lines:");
    for (const r of rejected) lines.push(`  line ${r.line}${r.externalId ? ` (${r.externalId})` : ""}: ${r.reason}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  process.exitCode = counts.rejected > 0 ? 2 : 0;
}

main().catch((err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
