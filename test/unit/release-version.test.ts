// One version everywhere a user meets it: package.json's is what `ferry --version` prints, the
// chart's appVersion and default image tag, the image's tag and its
// org.opencontainers.image.version label (tools/image/image-spec.ts, which `npm run image` builds
// and test/e2e/image.test.ts reads back from the built image), and the Dockerfile's VERSION.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { parse } from "yaml";
import { repositoryRoot } from "../../tools/helm/chart.js";
import { imageSpec } from "../../tools/image/image-spec.js";

const read = (path: string) => readFileSync(join(repositoryRoot, path), "utf8");
const version = (JSON.parse(read("package.json")) as { version: string }).version;

test("ferry --version prints package.json's version", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", join(repositoryRoot, "src", "cli", "main.ts"), "--version"]);
  assert.equal(stdout, `${version}\n`);
});

test("the chart's appVersion and default image, the image's tag and label, and the Dockerfile agree with package.json", () => {
  const chart = parse(read("charts/ferry/Chart.yaml")) as { appVersion: string };
  const values = parse(read("charts/ferry/values.yaml")) as { image: { repository: string; tag: string } };
  assert.equal(chart.appVersion, version);
  assert.ok(values.image.tag === "" || values.image.tag === version, `values.yaml image.tag ${values.image.tag} (empty: the appVersion)`);
  const image = imageSpec();
  assert.equal(image.version, version);
  assert.equal(image.reference, `${values.image.repository}:${version}`, "the image is tagged as the chart's default image reference");
  assert.equal(image.config.labels["org.opencontainers.image.version"], version);
  assert.equal(/^ARG VERSION=(.+)$/m.exec(read("Dockerfile"))?.[1], version, "the Dockerfile's version label");
});
