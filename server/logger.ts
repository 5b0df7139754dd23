import { pino, type Logger } from "pino";

/**
 * JSON logs on stdout. Secrets never reach a log line: messages and headers are not logged, and these paths are redacted as a safety net.
 * Lines are written asynchronously: the write leaves the event loop, and lines logged while one is in
 * flight go out together in the next (under load, one write for many calls instead of one each). What
 * is still buffered when the process exits, `process.exit` included, is written synchronously then.
 */
export function createLogger(level: string, service = "stuckai-api"): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: ["password", "*.password", "refreshToken", "*.refreshToken", "accessToken", "*.accessToken", "authorization", "*.authorization"], censor: "[redacted]" },
    },
    pino.destination({ dest: 1, sync: false }),
  );
}
