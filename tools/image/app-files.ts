// Ferry itself as the image holds it under /app: the compiled code (tsc, src/ only), package.json
// (read at run time for the version), deploy/crds (applied with crds.manageAtRuntime), and the
// production dependencies as package-lock.json pins them (`npm ci --omit=dev`: no pino-pretty,
// tsx or any other development dependency; no install scripts, none is needed at run time).
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { repositoryRoot } from "../helm/chart.js";
import { exec } from "./exec.js";

/** Writes package.json, dist/ and deploy/crds under `appDir` (a staging copy of /app). */
export async function stageApp(appDir: string): Promise<void> {
  mkdirSync(appDir, { recursive: true });
  cpSync(join(repositoryRoot, "package.json"), join(appDir, "package.json"));
  cpSync(join(repositoryRoot, "deploy", "crds"), join(appDir, "deploy", "crds"), { recursive: true });
  await exec(join(repositoryRoot, "node_modules", ".bin", "tsc"), ["-p", join(repositoryRoot, "tools", "image", "tsconfig.json"), "--outDir", join(appDir, "dist")], {
    cwd: repositoryRoot,
  });
}

/** The npm arguments of the production install (the Dockerfile runs the same). */
export const productionInstall = ["ci", "--omit=dev", "--ignore-scripts"];

/** Installs the production dependencies in `installDir` and returns its node_modules. */
export async function installDependencies(installDir: string): Promise<string> {
  mkdirSync(installDir, { recursive: true });
  for (const file of ["package.json", "package-lock.json"]) cpSync(join(repositoryRoot, file), join(installDir, file));
  await exec("npm", [...productionInstall, "--no-audit", "--no-fund", "--loglevel=error"], { cwd: installDir });
  return join(installDir, "node_modules");
}
