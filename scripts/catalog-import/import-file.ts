import type { FileHandle } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Catalog, CatalogItemInput } from "../../server/domain/content/catalog.js";
import { parseCatalogLine } from "../../server/domain/content/catalog-jsonl.js";

export interface ImportCounts {
  /** Non-blank lines read so far. */
  readonly lines: number;
  readonly inserted: number;
  readonly updated: number;
  readonly rejected: number;
  /** Bytes of the file read so far (a little ahead of `lines`: the reader buffers). */
  readonly bytes: number;
}

export interface RejectedLine {
  /** 1-based, counting blank lines too, as an editor does. */
  readonly line: number;
  readonly externalId: string;
  readonly reason: string;
}

export interface ImportOptions {
  readonly catalog: Catalog;
  /** Items per Catalog.import call (one transaction each). */
  readonly batchSize: number;
  /** Relative event times (`starts_in_hours`) count from here. */
  readonly loadTime?: Date;
  /** How many rejected lines to keep for the report; the count is always complete. */
  readonly keepRejected?: number;
  readonly onProgress?: (counts: ImportCounts) => void;
}

/**
 * Streams a JSON Lines catalog file through the Catalog domain, batch by batch: readline hands
 * over one line at a time and pauses the file while the loop waits for a batch to be written, so
 * memory stays flat (two batches) whatever the file's size.
 */
export async function importJsonLines(file: FileHandle, opts: ImportOptions): Promise<{ counts: ImportCounts; rejected: RejectedLine[] }> {
  const loadTime = opts.loadTime ?? new Date();
  const keep = opts.keepRejected ?? 10;
  const stream = file.createReadStream({ encoding: "utf8", autoClose: false });
  const counts = { lines: 0, inserted: 0, updated: 0, rejected: 0, bytes: 0 };
  const rejected: RejectedLine[] = [];
  // A batch reports its rejections after later lines failed to parse: keep the `keep` earliest lines.
  const reject = (r: RejectedLine) => {
    counts.rejected++;
    if (keep <= 0 || (rejected.length >= keep && r.line > rejected[rejected.length - 1]!.line)) return;
    rejected.push(r);
    rejected.sort((a, b) => a.line - b.line);
    if (rejected.length > keep) rejected.pop();
  };
  let batch: { line: number; input: CatalogItemInput }[] = [];
  const write = async (lines: typeof batch) => {
    const result = await opts.catalog.import(lines.map((b) => b.input));
    counts.inserted += result.inserted;
    counts.updated += result.updated;
    for (const r of result.rejected) reject({ line: lines[r.index]!.line, externalId: r.externalId, reason: r.reason });
    counts.bytes = stream.bytesRead;
    opts.onProgress?.({ ...counts });
  };
  // One batch is written while the next is parsed: the database and the parser each keep a core
  // busy. Batches still commit one after another, in file order.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    await writing;
    const lines = batch;
    batch = [];
    writing = lines.length > 0 ? write(lines) : Promise.resolve();
    // Its failure is reported by the next `await writing`, not as an unhandled rejection meanwhile.
    writing.catch(() => {});
  };

  let lineNo = 0;
  for await (const raw of createInterface({ input: stream, crlfDelay: Infinity })) {
    lineNo++;
    // Editors on Windows save UTF-8 with a byte-order mark.
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, "") : raw;
    if (line.trim() === "") continue;
    counts.lines++;
    const parsed = parseCatalogLine(line, loadTime);
    if ("reason" in parsed) {
      reject({ line: lineNo, externalId: externalIdOf(line), reason: parsed.reason });
      continue;
    }
    batch.push({ line: lineNo, input: parsed.input });
    if (batch.length >= opts.batchSize) await flush();
  }
  await flush();
  await writing;
  counts.bytes = stream.bytesRead;
  return { counts: { ...counts }, rejected };
}

/** The external id of a line that did not parse as an item, when it can be found at all. */
function externalIdOf(line: string): string {
  try {
    const id = (JSON.parse(line) as { external_id?: unknown }).external_id;
    return typeof id === "string" ? id : "";
  } catch {
    return "";
  }
}
