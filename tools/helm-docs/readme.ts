// The chart's README.md, generated from charts/ferry/values.yaml and README.md.gotmpl by helm-docs
// (tools/helm-docs/install.sh builds the pinned version from the Go module proxy into the cache).
// `npm run chart:docs` writes it; test/e2e/chart-package.test.ts fails when the committed file differs.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { chartDir, installedTool, repositoryRoot } from "../helm/chart.js";

const run = promisify(execFile);

export const chartReadmePath = join(chartDir, "README.md");

/**
 * The README helm-docs generates now (printed, not written), values listed in values.yaml's order.
 * (helm-docs' own strict mode, v1.14.2, reports every key as undocumented, described or not, so
 * the chart test checks instead that no row of the values table lacks a description.)
 */
export async function generateChartReadme(): Promise<string> {
  const binary = await installedTool("helm-docs"); // FERRY_HELM_DOCS overrides
  const args = [
    "--chart-search-root",
    chartDir,
    "--dry-run",
    "--sort-values-order",
    "file",
    "--log-level",
    "warning",
  ];
  try {
    const { stdout, stderr } = await run(binary, args, { cwd: repositoryRoot, maxBuffer: 16 * 1024 * 1024 });
    // helm-docs reports template and parse problems as warnings and still exits 0.
    if (stderr.trim()) throw new Error(stderr.trim());
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`helm-docs ${args.join(" ")} failed: ${stderr?.trim() || stdout?.trim() || (error as Error).message}`, { cause: error });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writeFileSync(chartReadmePath, await generateChartReadme());
  console.log(`wrote ${chartReadmePath}`);
}
