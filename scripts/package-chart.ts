// `npm run chart:package`: `helm package` of charts/ferry with the version and appVersion taken
// from package.json (whatever Chart.yaml says), into dist/charts/ (or the folder given as the
// first argument). Prints the path of the .tgz. test/e2e/chart-package.test.ts runs it.
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chartDir, helm, repositoryRoot } from "../tools/helm/chart.js";

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repositoryRoot, "package.json"), "utf8")) as { version: string }).version;
}

/** Packages the chart into `destination`; returns the archive's path. */
export async function packageChart(destination = join(repositoryRoot, "dist", "charts")): Promise<string> {
  const version = packageVersion();
  mkdirSync(destination, { recursive: true });
  const output = await helm(["package", chartDir, "--version", version, "--app-version", version, "--destination", destination]);
  // "Successfully packaged chart and saved it to: <path>"
  const path = /saved it to: (.+\.tgz)\s*$/m.exec(output)?.[1];
  if (!path) throw new Error(`helm package printed no archive path: ${output.trim()}`);
  return path;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  console.log(await packageChart(process.argv[2] ? resolve(process.argv[2]) : undefined));
}
