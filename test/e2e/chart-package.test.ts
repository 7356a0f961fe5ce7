// The chart as it ships: its README is what helm-docs generates from values.yaml now, and
// `npm run chart:package` writes an archive whose version and appVersion are package.json's and
// whose default image is that version. helm and helm-docs are built from the Go module proxy
// (tools/helm/install.sh, tools/helm-docs/install.sh); without them these tests fail, not skip.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { parse } from "yaml";
import { chartValues, helm, parseManifests, repositoryRoot } from "../../tools/helm/chart.js";
import { chartReadmePath, generateChartReadme } from "../../tools/helm-docs/readme.js";
import { container } from "../support/chart-values.js";

const run = promisify(execFile);
const version = (JSON.parse(readFileSync(join(repositoryRoot, "package.json"), "utf8")) as { version: string }).version;

/** Every key path of values.yaml that helm-docs lists: leaves, and maps or lists that carry their own description. */
function valueRows(readme: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readme.split("\n")) {
    const cells = /^\| ([^|]+) \| [^|]+ \| .* \| (.*) \|$/.exec(line);
    if (cells && cells[1] !== "Key") rows.set(cells[1]!.trim(), cells[2]!.trim());
  }
  return rows;
}

test("charts/ferry/README.md is what helm-docs generates from values.yaml now (run `npm run chart:docs`)", async () => {
  const generated = await generateChartReadme();
  const committed = readFileSync(chartReadmePath, "utf8");
  assert.equal(committed, generated, "charts/ferry/README.md is out of date: run `npm run chart:docs`");
  const rows = valueRows(generated);
  assert.ok(rows.size > 60, `a row per value (${rows.size})`);
  for (const [key, description] of rows) assert.ok(description.length > 0, `${key} has a description (a "# --" comment in values.yaml)`);
  const values = chartValues();
  for (const key of Object.keys(values)) {
    assert.ok([...rows.keys()].some((row) => row === key || row.startsWith(`${key}.`)), `values.yaml's ${key} is documented`);
  }
  assert.match(generated, /\| crds\.installForeign \| bool \| `false` \|/);
});

test("`npm run chart:package` writes ferry-<package.json version>.tgz with that version and appVersion, and the same default image", async (t) => {
  const destination = mkdtempSync(join(tmpdir(), "ferry-chart-package-"));
  t.after(() => rmSync(destination, { recursive: true, force: true }));
  const { stdout } = await run("npm", ["run", "--silent", "chart:package", "--", destination], { cwd: repositoryRoot, maxBuffer: 16 * 1024 * 1024 });
  const archive = stdout.trim().split("\n").pop()!;
  assert.equal(basename(archive), `ferry-${version}.tgz`);
  assert.equal(archive, join(destination, `ferry-${version}.tgz`));

  const chart = parse(await helm(["show", "chart", archive])) as { name: string; version: string; appVersion: string };
  assert.deepEqual([chart.name, chart.version, chart.appVersion], ["ferry", version, version]);
  // (helm show ends what it prints with one more newline)
  assert.equal((await helm(["show", "readme", archive])).trimEnd(), readFileSync(chartReadmePath, "utf8").trimEnd(), "the README travels with the chart");
  const { stdout: listing } = await run("tar", ["-tzf", archive]);
  const files = listing.trim().split("\n");
  for (const file of ["ferry/Chart.yaml", "ferry/values.yaml", "ferry/values.schema.json", "ferry/README.md", "ferry/files/rbac.yaml", "ferry/templates/prometheusrule.yaml"]) assert.ok(files.includes(file), file);
  assert.ok(!files.includes("ferry/README.md.gotmpl"), "helm-docs' template stays out (.helmignore)");

  const objects = parseManifests(await helm(["template", "ferry", archive, "--namespace", "ferry-system"]));
  assert.equal(container(objects).image, `ghcr.io/ferry-dev/ferry:${version}`, "the packaged chart's default image is package.json's version");
  await helm(["lint", "--strict", archive]);
});
