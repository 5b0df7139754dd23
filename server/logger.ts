import { pino, type Logger } from "pino";

/** JSON logs on stdout. Secrets never reach a log line: messages and headers are not logged, and these paths are redacted as a safety net. */
export function createLogger(level: string, service = "stuckai-api"): Logger {
  return pino({
    level,
    base: { service },
    redact: { paths: ["password", "*.password", "refreshToken", "*.refreshToken", "accessToken", "*.accessToken", "authorization", "*.authorization"], censor: "[redacted]" },
  });
}
