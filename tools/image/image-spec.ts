// What Ferry's container image is: its name, runtime, user, entrypoint, labels and the paths it
// holds. The one definition that `npm run image` (tools/image/build.ts) builds, the Dockerfile
// mirrors (test/unit/image-recipe.test.ts keeps them equal), the image test runs and the memory
// benchmark copies its node flags from.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { repositoryRoot } from "../helm/chart.js";

export interface ImageConfig {
  user: string;
  workingDir: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
  exposedPort: string;
  platform: string;
  labels: Record<string, string>;
}

export interface ImageSpec {
  /** package.json's version: the tag, the version label, and what `ferry --version` prints. */
  version: string;
  /** The Node.js version the image runs (.node-version, the runtime's single source of truth). */
  nodeVersion: string;
  /** The chart's default image repository (charts/ferry/values.yaml `image.repository`). */
  repository: string;
  /** repository:version, the chart's default image reference. */
  reference: string;
  config: ImageConfig;
}

/** The non-root user the image runs as, the chart's runAsUser and runAsGroup. */
export const imageUser = { uid: 65532, gid: 65532, name: "nonroot", home: "/home/nonroot" };

/** Where the app lives in the image (the working directory). */
export const appDir = "/app";

/** Where the node binary lives in the image (on the image's PATH). */
export const nodePath = "/usr/local/bin/node";

/**
 * What the image holds besides the shared libraries, as image paths: the Dockerfile's runtime
 * stage copies exactly these (plus the libraries and their copyright files).
 */
export const imagePaths = {
  base: ["/etc/group", "/etc/nsswitch.conf", "/etc/passwd", imageUser.home, "/tmp"],
  node: [nodePath, "/usr/local/share/doc/node/LICENSE"],
  dependencies: [`${appDir}/node_modules`],
  app: [`${appDir}/package.json`, `${appDir}/dist`, `${appDir}/deploy/crds`],
};

function readText(path: string): string {
  return readFileSync(join(repositoryRoot, path), "utf8");
}

export function nodeVersion(): string {
  const version = readText(".node-version").trim();
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`.node-version holds ${JSON.stringify(version)}, not a Node.js version like 26.12.1`);
  return version;
}

export function imageSpec(): ImageSpec {
  const pkg = JSON.parse(readText("package.json")) as { version: string; description: string; license: string };
  const values = parse(readText("charts/ferry/values.yaml")) as { image: { repository: string } };
  const chart = parse(readText("charts/ferry/Chart.yaml")) as { home: string };
  const repository = values.image.repository;
  return {
    version: pkg.version,
    nodeVersion: nodeVersion(),
    repository,
    reference: `${repository}:${pkg.version}`,
    config: {
      user: `${imageUser.uid}:${imageUser.gid}`,
      workingDir: appDir,
      // A 2 MiB young generation (V8's default grows to 16 MiB per semi-space on a large machine)
      // keeps RSS near the live heap: 10,000 namespaces and 100,000 unrelated Secrets in ~130 MiB
      // instead of ~220 MiB (`npm run bench`, which starts Ferry with these same flags).
      entrypoint: ["node", "--max-semi-space-size=2", "dist/src/cli/main.js"],
      cmd: ["run"],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NODE_ENV=production"],
      exposedPort: "8080/tcp",
      platform: "linux/amd64",
      labels: {
        "org.opencontainers.image.title": "ferry",
        "org.opencontainers.image.description": pkg.description,
        "org.opencontainers.image.source": chart.home,
        "org.opencontainers.image.url": chart.home,
        "org.opencontainers.image.version": pkg.version,
        "org.opencontainers.image.licenses": pkg.license,
      },
    },
  };
}
