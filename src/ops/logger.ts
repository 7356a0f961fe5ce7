// Structured JSON logs (pino) with level names and ISO-8601 times, as log pipelines read them;
// pretty output when a person is watching a terminal and the pretty printer is installed.
import { createRequire } from "node:module";
import { pino, stdTimeFunctions, type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Pretty output; default: when stdout is a terminal and FERRY_LOG_FORMAT is not `json`. */
  pretty?: boolean;
  /** The pino transport that prints pretty: a development dependency, absent from the image. */
  prettyModule?: string;
}

/** Whether `name` can be loaded from here (pino resolves a transport target the same way). */
function loadable(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const prettyModule = options.prettyModule ?? "pino-pretty";
  const wantsPretty = options.pretty ?? (process.stdout.isTTY && process.env.FERRY_LOG_FORMAT !== "json");
  const pretty = wantsPretty && loadable(prettyModule);
  const logger = pino({
    name: "ferry",
    level: options.level || process.env.FERRY_LOG_LEVEL || "info",
    // `"level":"info"` rather than pino's number, and an ISO time rather than epoch milliseconds.
    formatters: { level: (label) => ({ level: label }) },
    timestamp: stdTimeFunctions.isoTime,
    // Defence in depth: secret-bearing fields never reach a log line even if passed by mistake.
    redact: { paths: ["data", "stringData", "*.data", "*.stringData", "binaryData", "*.binaryData"], censor: "[redacted]" },
    ...(pretty ? { transport: { target: prettyModule, options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } } } : {}),
  });
  if (wantsPretty && !pretty) logger.info(`pretty output needs ${prettyModule} (a development dependency, not in the image): logging JSON`);
  return logger;
}
