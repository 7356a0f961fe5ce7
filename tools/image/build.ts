// Builds the image users run, with no container engine: Node.js from the npm registry, the
// shared libraries it needs from pinned Debian packages, Ferry compiled with its production
// dependencies, four reproducible layers assembled into an image by crane, written as
// dist/image/ferry-<version>.tar (OCI layout + docker manifest.json). What the image is
// (entrypoint, user, labels, paths) comes from tools/image/image-spec.ts.
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repositoryRoot } from "../helm/chart.js";
import { installDependencies, stageApp } from "./app-files.js";
import { crane, withLocalRegistry } from "./crane.js";
import { debianSysroot, readDebianLock, type DebianPackage } from "./debian-libraries.js";
import { exec } from "./exec.js";
import { imageSpec, imageUser, nodePath, type ImageSpec } from "./image-spec.js";
import { inputsHash } from "./inputs.js";
import { writeLayer, type Layer } from "./layer.js";
import { nodePackage, nodeRuntime } from "./node-runtime.js";
import { readImageArchive, writeImageArchive } from "./oci-archive.js";

export interface BuiltImage {
  path: string;
  reference: string;
  digest: string;
  /** The image ID Docker shows: the config's digest. */
  configDigest: string;
  /** Bytes a pull transfers: the config and the compressed layers. */
  compressedSize: number;
  /** Bytes of the uncompressed layers. */
  size: number;
  /** Bytes of the tarball file. */
  tarballBytes: number;
  layers: Array<{ name: string; digest: string; size: number; compressedSize: number }>;
  inputs: string;
  /** Whether an earlier build from the same inputs was reused. */
  reused: boolean;
  /** Seconds this call took. */
  seconds: number;
}

export const imageDir = join(repositoryRoot, "dist", "image");
export const imageTarball = (version: string) => join(imageDir, `ferry-${version}.tar`);
const buildRecord = (version: string) => join(imageDir, `ferry-${version}.json`);

function progress(message: string): void {
  process.stderr.write(`image: ${message}\n`);
}

/** Normalizes modes under a staged tree: directories and executables 0755, other files 0644. */
async function normalizeModes(root: string): Promise<void> {
  await exec("chmod", ["-R", "u=rwX,go=rX", root]);
}

async function stageBase(dir: string, nodeBinary: string): Promise<{ packages: DebianPackage[] }> {
  const { sysroot, packages } = await debianSysroot();
  cpSync(join(repositoryRoot, "tools", "image", "rootfs"), dir, { recursive: true });
  const libraries = await exec("bash", [join(repositoryRoot, "tools", "image", "copy-libraries.sh"), sysroot, nodeBinary, dir]);
  progress(`shared libraries: ${libraries.trim().split("\n").join(" ")}`);
  for (const { name } of packages) {
    cpSync(join(sysroot, "usr", "share", "doc", name, "copyright"), join(dir, "usr", "share", "doc", name, "copyright"));
  }
  mkdirSync(join(dir, "tmp"));
  mkdirSync(join(dir, imageUser.home.slice(1)), { recursive: true });
  await normalizeModes(dir);
  chmodSync(join(dir, "tmp"), 0o1777);
  return { packages };
}

async function stageNode(dir: string, runtime: { binary: string; license: string }): Promise<void> {
  mkdirSync(join(dir, "usr", "local", "bin"), { recursive: true });
  mkdirSync(join(dir, "usr", "local", "share", "doc", "node"), { recursive: true });
  cpSync(runtime.binary, join(dir, nodePath.slice(1)));
  cpSync(runtime.license, join(dir, "usr", "local", "share", "doc", "node", "LICENSE"));
  await normalizeModes(dir);
}

/**
 * The config crane wrote, with the Unix epoch as creation time (as the layers' files have; crane
 * leaves year 1) and a history entry per layer saying what it holds (`docker history` shows them).
 */
function dated(config: string, history: string[]): string {
  const parsed = JSON.parse(config) as { created?: string; history?: Array<Record<string, unknown>> };
  const epoch = "1970-01-01T00:00:00Z";
  if (parsed.history?.length !== history.length) throw new Error(`crane wrote ${parsed.history?.length} history entries for ${history.length} layers`);
  return JSON.stringify({ ...parsed, created: epoch, history: history.map((createdBy) => ({ created: epoch, created_by: createdBy, comment: "npm run image" })) });
}

async function assemble(spec: ImageSpec, layers: Layer[], history: string[], layoutDir: string): Promise<void> {
  await withLocalRegistry(async (host) => {
    const staged = `${host}/ferry:${spec.version}`;
    await crane(["append", ...layers.flatMap((layer) => ["-f", layer.path]), "-t", staged]);
    // First the dates and history (crane edit rewrites the manifest with its keys sorted), then
    // every other setting with crane mutate, which writes the manifest in the order crane push
    // writes it when it reads the tarball back: both give the same digest.
    await crane(["edit", "config", staged], dated(await crane(["config", staged]), history));
    const { config } = spec;
    await crane([
      "mutate",
      staged,
      `--entrypoint=${config.entrypoint.join(",")}`,
      `--cmd=${config.cmd.join(",")}`,
      `--user=${config.user}`,
      `--workdir=${config.workingDir}`,
      ...config.env.map((env) => `--env=${env}`),
      ...Object.entries(config.labels).map(([key, value]) => `--label=${key}=${value}`),
      `--exposed-ports=${config.exposedPort}`,
      `--set-platform=${config.platform}`,
      "-t",
      staged,
    ]);
    await crane(["pull", "--format", "oci", staged, layoutDir]);
  });
}

function recorded(version: string, inputs: string): BuiltImage | undefined {
  const path = imageTarball(version);
  if (!existsSync(path) || !existsSync(buildRecord(version))) return undefined;
  const record = JSON.parse(readFileSync(buildRecord(version), "utf8")) as BuiltImage;
  if (record.inputs !== inputs || statSync(path).size !== record.tarballBytes) return undefined;
  return { ...record, path };
}

export async function buildImage(options: { force?: boolean } = {}): Promise<BuiltImage> {
  const started = Date.now();
  const spec = imageSpec();
  const inputs = inputsHash();
  const previous = options.force ? undefined : recorded(spec.version, inputs);
  if (previous) return { ...previous, reused: true, seconds: (Date.now() - started) / 1000 };

  const work = join(imageDir, "work");
  rmSync(work, { recursive: true, force: true });
  const stage = (name: string) => {
    const dir = join(work, "stage", name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  progress(`building ${spec.reference} on Node.js ${spec.nodeVersion}`);
  const [runtime, dependencies] = await Promise.all([nodeRuntime(spec.nodeVersion), installDependencies(join(work, "install")), debianSysroot()]);
  progress("node, production dependencies and Debian packages ready; compiling");
  const { packages } = await stageBase(stage("base"), runtime.binary);
  await stageNode(stage("node"), runtime);
  // The dependencies layer holds /app/node_modules only (npm installed them beside a package.json).
  const deps = stage("dependencies");
  mkdirSync(join(deps, "app"));
  renameSync(dependencies, join(deps, "app", "node_modules"));
  await normalizeModes(deps);
  const app = stage("app");
  await stageApp(join(app, "app"));
  await normalizeModes(app);

  progress("writing layers");
  mkdirSync(join(work, "layers"));
  const names = ["base", "node", "dependencies", "app"] as const;
  const layers: Layer[] = [];
  for (const name of names) {
    layers.push(await writeLayer(join(work, "stage", name), join(work, "layers", `${name}.tar.gz`), name === "base" ? { [imageUser.home.slice(1)]: `${imageUser.uid}:${imageUser.gid}` } : {}));
  }
  progress("assembling with crane");
  const layout = join(work, "layout");
  const history = [
    `base: /etc (passwd, group, nsswitch.conf), /tmp, ${imageUser.home}; ${packages.map((p) => `${p.name} ${p.version}`).join(", ")} (Debian ${readDebianLock().suite})`,
    `node ${spec.nodeVersion} (npm ${nodePackage})`,
    "production dependencies: npm ci --omit=dev",
    `ferry ${spec.version}: dist (tsc), package.json, deploy/crds`,
  ];
  await assemble(spec, layers, history, layout);
  const path = imageTarball(spec.version);
  await writeImageArchive(layout, spec.reference, `${path}.partial`);
  renameSync(`${path}.partial`, path);
  rmSync(work, { recursive: true, force: true });

  const archive = await readImageArchive(path);
  const built: BuiltImage = {
    path,
    reference: spec.reference,
    digest: archive.digest,
    configDigest: archive.manifest.config.digest,
    compressedSize: archive.manifest.config.size + archive.manifest.layers.reduce((sum, layer) => sum + layer.size, 0),
    size: layers.reduce((sum, layer) => sum + layer.size, 0),
    tarballBytes: statSync(path).size,
    layers: layers.map((layer, i) => ({ name: names[i]!, digest: archive.manifest.layers[i]!.digest, size: layer.size, compressedSize: layer.compressedSize })),
    inputs,
    reused: false,
    seconds: (Date.now() - started) / 1000,
  };
  writeFileSync(buildRecord(spec.version), `${JSON.stringify(built, null, 2)}\n`);
  return built;
}
