// Structured JSON logs (pino); pretty output when a person is watching a terminal.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY && process.env.FERRY_LOG_FORMAT !== "json");
  return pino({
    name: "ferry",
    level: options.level ?? process.env.FERRY_LOG_LEVEL ?? "info",
    // Defence in depth: secret-bearing fields never reach a log line even if passed by mistake.
    redact: { paths: ["data", "stringData", "*.data", "*.stringData", "binaryData", "*.binaryData"], censor: "[redacted]" },
    ...(pretty ? { transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } } } : {}),
  });
}
