// Ferry's log lines as the ecosystem's tools read them (string level names, ISO time), and a
// logger that never takes the process down because pretty output is unavailable: the image ships
// without pino-pretty (a development dependency), and a terminal used to make Ferry load it and
// exit 1. Each case runs the logger in its own node process and reads what it wrote to stdout.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";

const loggerModule = resolve("src/ops/logger.ts");

/** Runs `body` (which sees `createLogger`) in a fresh node process; its exit code and stdout. */
function runWithLogger(body: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const program = `const { createLogger } = await import(${JSON.stringify(loggerModule)});\n${body}`;
  return new Promise((done, fail) => {
    const env = { ...process.env };
    delete env.FERRY_LOG_FORMAT;
    delete env.FERRY_LOG_LEVEL;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", program], { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`not a JSON log line: ${line}`);
      }
    });
}

test("JSON lines carry the level's name and an ISO-8601 time, and secret fields are redacted", async () => {
  const { code, stdout, stderr } = await runWithLogger(`createLogger({ pretty: false }).warn({ rule: "r", data: { password: "s3cret-logger" } }, "hello");`);
  assert.equal(code, 0, stderr);
  const [line, ...rest] = jsonLines(stdout);
  assert.deepEqual(rest, []);
  assert.equal(line?.level, "warn", "the level as its name, as Loki, Elasticsearch and kubectl users read it");
  assert.equal(line?.msg, "hello");
  assert.equal(line?.name, "ferry");
  assert.equal(typeof line?.time, "string");
  assert.match(line?.time as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(line?.time as string) - Date.now()) < 10 * 60_000, "the time is now, not a number of milliseconds");
  assert.ok(!stdout.includes("s3cret-logger"), "a Secret's data never reaches a log line");
});

test("pretty output asked for where the pretty printer cannot be loaded: JSON lines, no crash", async () => {
  const { code, stdout, stderr } = await runWithLogger(`createLogger({ pretty: true, prettyModule: "ferry-test-absent-pretty-printer" }).info("still here");`);
  assert.equal(code, 0, `the process keeps running (stderr: ${stderr})`);
  const lines = jsonLines(stdout);
  assert.ok(lines.some((line) => line.msg === "still here" && line.level === "info"), stdout);
  assert.ok(
    lines.some((line) => typeof line.msg === "string" && line.msg.includes("ferry-test-absent-pretty-printer")),
    "one line says why the output is JSON",
  );
});

test("pretty output where pino-pretty is installed (a development checkout) stays pretty", async () => {
  const { code, stdout, stderr } = await runWithLogger(`createLogger({ pretty: true }).info("pretty line");`);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /INFO.*pretty line/);
  assert.ok(!stdout.trimStart().startsWith("{"), "not JSON");
});
