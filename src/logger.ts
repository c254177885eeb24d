import pino, { type Logger } from "pino";
import type { LogLevel } from "./config";

/** Structured JSON logs. Authorization headers and tokens are never logged. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: "helpgate" },
    redact: { paths: ["req.headers.authorization", "token", "*.token"], censor: "[redacted]" },
  });
}
