// The image tarball: one tar that is both an OCI image layout (oci-layout, index.json, blobs/)
// and a `docker save` archive (manifest.json naming the same blobs), as Docker >= 25 writes it,
// so `docker load` (either image store), `podman load`, `crane push` and `skopeo copy
// oci-archive:` all read it. Writing it, and reading its parts back.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exec } from "./exec.js";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface DockerArchiveEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

export interface ImageConfigFile {
  architecture: string;
  os: string;
  config: {
    User?: string;
    WorkingDir?: string;
    Entrypoint?: string[];
    Cmd?: string[];
    Env?: string[];
    ExposedPorts?: Record<string, object>;
    Labels?: Record<string, string>;
  };
  rootfs: { type: string; diff_ids: string[] };
}

export const blobPath = (digest: string) => `blobs/${digest.replace(":", "/")}`;

/**
 * Turns the OCI layout in `layoutDir` (one image, as `crane pull --format oci` writes it) into the
 * tarball `out`: the index names the image for containerd and podman, manifest.json for Docker's
 * classic store and crane. Entries sorted, epoch timestamps, owner root.
 */
export async function writeImageArchive(layoutDir: string, reference: string, out: string): Promise<void> {
  const index = JSON.parse(readFileSync(join(layoutDir, "index.json"), "utf8")) as ImageIndex;
  if (index.manifests.length !== 1) throw new Error(`${layoutDir} holds ${index.manifests.length} manifests, expected one image`);
  const descriptor = index.manifests[0]!;
  const manifest = JSON.parse(readFileSync(join(layoutDir, blobPath(descriptor.digest)), "utf8")) as ImageManifest;
  const tag = reference.slice(reference.lastIndexOf(":") + 1);
  const annotated: ImageIndex = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{ mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size, annotations: { "io.containerd.image.name": reference, "org.opencontainers.image.ref.name": tag } }],
  };
  writeFileSync(join(layoutDir, "index.json"), JSON.stringify(annotated));
  const docker: DockerArchiveEntry[] = [{ Config: blobPath(manifest.config.digest), RepoTags: [reference], Layers: manifest.layers.map((layer) => blobPath(layer.digest)) }];
  writeFileSync(join(layoutDir, "manifest.json"), JSON.stringify(docker));
  const entries = readdirSync(layoutDir).sort();
  // Readable by all, whatever modes the layout's writer chose (crane writes blobs 0600).
  await exec("chmod", ["-R", "u=rwX,go=rX", layoutDir]);
  await exec("find", [layoutDir, "-type", "f", "-exec", "chmod", "a-x", "{}", "+"]);
  await exec("tar", ["--create", "--file", out, "--directory", layoutDir, "--format=gnu", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", ...entries]);
}

/** One file of the tarball, as a Buffer. */
export async function readArchiveFile(archive: string, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile("tar", ["--extract", "--to-stdout", "--file", archive, path], { encoding: "buffer", maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path} is not in ${archive}: ${stderr.toString().trim()}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

export interface ImageArchive {
  index: ImageIndex;
  /** The image's digest: its manifest's, as a registry reports it after a push. */
  digest: string;
  manifest: ImageManifest;
  config: ImageConfigFile;
  docker: DockerArchiveEntry[];
}

/** Reads the index, the manifest it names, the image config and the docker manifest.json. */
export async function readImageArchive(archive: string): Promise<ImageArchive> {
  const json = async <T>(path: string) => JSON.parse((await readArchiveFile(archive, path)).toString("utf8")) as T;
  const index = await json<ImageIndex>("index.json");
  const digest = index.manifests[0]?.digest;
  if (!digest || index.manifests.length !== 1) throw new Error(`${archive}: index.json should name exactly one image`);
  const manifest = await json<ImageManifest>(blobPath(digest));
  return { index, digest, manifest, config: await json<ImageConfigFile>(blobPath(manifest.config.digest)), docker: await json<DockerArchiveEntry[]>("manifest.json") };
}
