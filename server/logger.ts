import { pino, type Logger } from "pino";

/** JSON logs on stdout. Secrets never reach a log line: messages and headers are not logged, and these paths are redacted as a safety net. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "stuckai-api" },
    redact: { paths: ["password", "*.password", "refreshToken", "*.refreshToken", "accessToken", "*.accessToken", "authorization", "*.authorization"], censor: "[redacted]" },
  });
}
