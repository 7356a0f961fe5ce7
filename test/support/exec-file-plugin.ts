// An exec credential plugin for tests (run by node directly): run n prints the ExecCredential in
// $FERRY_PLUGIN_DIR/credential-<n>.json, or the last one there is, and leaves run-<n> behind.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.FERRY_PLUGIN_DIR;
if (!dir) throw new Error("FERRY_PLUGIN_DIR is not set");
const files = readdirSync(dir);
const run = files.filter((file) => file.startsWith("run-")).length + 1;
const credentials = files.filter((file) => /^credential-\d+\.json$/.test(file)).length;
writeFileSync(join(dir, `run-${run}`), "");
process.stdout.write(readFileSync(join(dir, `credential-${Math.min(run, credentials)}.json`), "utf8"));
