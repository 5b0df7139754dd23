import type { ImportCounts } from "./import-file.js";

const BAR_WIDTH = 30;
const TTY_EVERY_MS = 100;
const PLAIN_EVERY_MS = 5_000;

export interface ProgressReporter {
  update(counts: ImportCounts): void;
  /** Clears the bar, so the summary starts on a clean line. */
  done(): void;
}

/**
 * A bar redrawn in place on a terminal; on a pipe or a log file, where carriage returns would pile
 * up, a plain line every few seconds instead.
 */
export function progressReporter(out: NodeJS.WriteStream, totalBytes: number, startedAt = performance.now()): ProgressReporter {
  const tty = out.isTTY === true;
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(c) {
      const now = performance.now();
      if (now - last < (tty ? TTY_EVERY_MS : PLAIN_EVERY_MS)) return;
      last = now;
      const fraction = totalBytes > 0 ? Math.min(1, c.bytes / totalBytes) : 1;
      const rate = Math.round(c.lines / ((now - startedAt) / 1000));
      const figures = `${c.lines} lines, ${c.inserted} inserted, ${c.updated} updated, ${c.rejected} rejected, ${rate} items/s`;
      if (tty) {
        const filled = Math.round(fraction * BAR_WIDTH);
        out.write(`\r\x1b[K[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}% ${figures}`);
        drawn = true;
      } else {
        out.write(`catalog-import: ${Math.floor(fraction * 100)}% ${figures}\n`);
      }
    },
    done() {
      if (drawn) out.write("\r\x1b[K");
    },
  };
}
