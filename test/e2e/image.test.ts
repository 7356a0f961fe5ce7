// The image users run, built by `npm run image` (reused when its inputs are unchanged) and run
// from its own root filesystem against the real control plane, the way the chart's Deployment
// runs it: the image's entrypoint and the chart's args, env and volumes, as uid 65532 with a
// read-only root, configured in-cluster from a ServiceAccount token that holds the chart's RBAC.
// It must start, become ready and distribute a Secret: this is what catches a file missing from
// the image or a development dependency loaded at run time, which no lint can.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { freePort } from "../../src/controlplane/free-port.js";
import { WaitAborted, waitFor } from "../../src/util/wait-for.js";
import { chartDir, renderChart, repositoryRoot } from "../../tools/helm/chart.js";
import { buildImage, type BuiltImage } from "../../tools/image/build.js";
import { crane, withLocalRegistry } from "../../tools/image/crane.js";
import { imagePaths, imageSpec, imageUser } from "../../tools/image/image-spec.js";
import { blobPath } from "../../tools/image/oci-archive.js";
import { chartToken } from "../support/chart-identity.js";
import { chartPod } from "../support/chart-pod.js";
import { adminClient, createNamespace, uniqueName } from "../support/cluster.js";
import { createSecret, installTestCrds, testLogPath, unb64, waitForObject } from "../support/ferry.js";
import { runContainer, startContainer, type ContainerSpec } from "../support/image-container.js";
import { unpackImage, type UnpackedImage } from "../support/image-rootfs.js";

const spec = imageSpec();

interface Unpacked {
  image: BuiltImage;
  archive: UnpackedImage;
  root: string;
}

let unpacked: Promise<Unpacked> | undefined;

/** The image, built or reused, unpacked once per file into a root filesystem. */
function unpackedImage(): Promise<Unpacked> {
  unpacked ??= (async () => {
    const image = await buildImage();
    const dir = mkdtempSync(join(tmpdir(), "ferry-image-rootfs-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    const root = join(dir, "root");
    return { image, archive: await unpackImage(image.path, root), root };
  })();
  return unpacked;
}

/** Runs the image with these args (replacing its command) and returns the exit code and output. */
async function runImage(args: string[], options: Partial<ContainerSpec> = {}): Promise<{ code: number | null; output: string }> {
  const { root, archive } = await unpackedImage();
  const dir = mkdtempSync(join(tmpdir(), "ferry-image-out-"));
  try {
    const output = join(dir, "output");
    const code = await runContainer({ root, image: archive.config.config, args, uid: imageUser.uid, gid: imageUser.gid, readOnlyRoot: true, output, ...options });
    return { code, output: readFileSync(output, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The files the kubelet mounts for the pod's ServiceAccount, and the apiserver's in-cluster address. */
async function serviceAccountFiles(namespace: string): Promise<{ dir: string; env: Record<string, string> }> {
  const admin = await adminClient();
  const dir = mkdtempSync(join(tmpdir(), "ferry-image-serviceaccount-"));
  chmodSync(dir, 0o755);
  const cluster = admin.config.getCurrentCluster();
  if (!cluster?.caData) throw new Error("the admin kubeconfig has no certificate-authority-data");
  writeFileSync(join(dir, "token"), await chartToken(admin, namespace), { mode: 0o644 });
  writeFileSync(join(dir, "ca.crt"), Buffer.from(cluster.caData, "base64"), { mode: 0o644 });
  writeFileSync(join(dir, "namespace"), namespace, { mode: 0o644 });
  return { dir, env: { KUBERNETES_SERVICE_HOST: admin.server.hostname, KUBERNETES_SERVICE_PORT: admin.server.port } };
}

/**
 * Starts the image as the chart's Deployment would run it in `namespace` (Ferry's own), on a free
 * health port; resolves once /readyz answers 200. Its output goes to the run's Ferry log, which
 * the secret-leak scan reads.
 */
async function startAsChartPod(t: TestContext, namespace: string, options: { terminal?: boolean; dropArgs?: string[] } = {}) {
  const { root, archive } = await unpackedImage();
  await installTestCrds();
  const healthPort = await freePort();
  const { objects } = await renderChart({ release: "ferry", namespace, values: { healthPort } });
  const podName = uniqueName("ferry");
  const pod = chartPod(objects, { name: podName, namespace });
  const account = await serviceAccountFiles(namespace);
  const container = startContainer({
    root,
    image: archive.config.config,
    args: pod.args.filter((arg) => !options.dropArgs?.includes(arg)),
    env: { ...pod.env, ...account.env, HOSTNAME: podName },
    uid: pod.uid,
    gid: pod.gid,
    readOnlyRoot: pod.readOnlyRoot,
    tmpfs: pod.tmpfs,
    binds: pod.tokenMount ? [{ source: account.dir, target: pod.tokenMount }] : [],
    terminal: options.terminal,
    output: testLogPath(),
  });
  let code: number | null | undefined;
  void container.exited.then((c) => (code = c));
  t.after(async () => {
    if (code === undefined) container.child.kill("SIGKILL");
    await container.exited;
    rmSync(account.dir, { recursive: true, force: true });
  });
  await waitFor(
    async () => {
      if (code !== undefined) throw new WaitAborted(`the image exited ${code} before it was ready; see ${testLogPath()}`);
      try {
        return (await fetch(`http://127.0.0.1:${pod.readiness.port}${pod.readiness.path}`)).status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs: 90_000, description: "Ferry in the image to become ready" },
  );
  return { container, pod, exitCode: () => code };
}

test("npm run image: an image of the package.json version under 90 MB compressed, read back from both halves of the tarball", async () => {
  const { image, archive } = await unpackedImage();
  assert.equal(image.path, join(repositoryRoot, "dist", "image", `ferry-${spec.version}.tar`));
  assert.ok(image.compressedSize < 90_000_000, `compressed ${image.compressedSize} bytes`);
  assert.equal(archive.digest, image.digest);
  assert.equal(archive.whiteouts, 0);
  // The docker half (manifest.json) names the same config and layers as the OCI half.
  assert.deepEqual(archive.docker, [{ Config: blobPath(archive.manifest.config.digest), RepoTags: [spec.reference], Layers: archive.manifest.layers.map((l) => blobPath(l.digest)) }]);
  assert.equal(archive.index.manifests[0]?.annotations?.["io.containerd.image.name"], spec.reference);
  const { config } = archive.config;
  assert.deepEqual(
    { os: archive.config.os, architecture: archive.config.architecture, user: config.User, workdir: config.WorkingDir, entrypoint: config.Entrypoint, cmd: config.Cmd, env: config.Env, labels: config.Labels },
    { os: "linux", architecture: "amd64", user: spec.config.user, workdir: spec.config.workingDir, entrypoint: spec.config.entrypoint, cmd: spec.config.cmd, env: spec.config.env, labels: spec.config.labels },
  );
  assert.equal(archive.config.rootfs.diff_ids.length, archive.manifest.layers.length);
});

test("the image's version agrees everywhere: labels, ferry --version inside it, its tag, the chart's appVersion", async () => {
  const { archive } = await unpackedImage();
  const pkg = JSON.parse(readFileSync(join(repositoryRoot, "package.json"), "utf8")) as { version: string };
  const chart = readFileSync(join(chartDir, "Chart.yaml"), "utf8");
  assert.equal(archive.config.config.Labels?.["org.opencontainers.image.version"], pkg.version);
  assert.deepEqual(archive.docker[0]?.RepoTags, [`ghcr.io/ferry-dev/ferry:${pkg.version}`]);
  assert.match(chart, new RegExp(`^appVersion: "${pkg.version.replace(/\./g, "\\.")}"$`, "m"));
  const version = await runImage(["--version"]);
  assert.deepEqual(version, { code: 0, output: `${pkg.version}\n` });
  const node = await runImage(["--version"], { image: { ...archive.config.config, Entrypoint: ["node"] } });
  assert.deepEqual(node, { code: 0, output: `v${spec.nodeVersion}\n` }, "the runtime of .node-version");
});

test("the root filesystem holds what image-spec.ts lists and the libraries, root-owned, and no shell or development dependency", async () => {
  const { root, archive } = await unpackedImage();
  for (const path of [...Object.values(imagePaths).flat(), "/app/dist/src/cli/main.js", "/app/node_modules/pino", "/app/deploy/crds/foreign", "/lib64/ld-linux-x86-64.so.2", "/usr/share/doc/libc6/copyright"]) {
    assert.ok(archive.paths.has(path), `${path} is in the image`);
  }
  const topLevel = [...new Set([...archive.paths].map((path) => path.split("/")[1]))].sort();
  assert.deepEqual(topLevel, ["app", "etc", "home", "lib", "lib64", "tmp", "usr"]);
  const nothing = [...archive.paths].filter((path) => /^\/(bin|sbin|usr\/bin|usr\/sbin)\/|\/node_modules\/(pino-pretty|tsx|typescript|eslint|fast-check)\/|^\/app\/(src|test|bench)\/|^\/app\/dist\/.*\.map$|^\/app\/dist\/(test|bench|tools)\//.test(path));
  assert.deepEqual(nothing, [], "no shell or other program besides node, no development dependency, no sources, no source maps of our own");
  assert.equal(statSync(join(root, "app/dist/src/cli/main.js")).uid, 0, "the app is root-owned: uid 65532 cannot change it");
  assert.equal(statSync(join(root, "tmp")).mode & 0o7777, 0o1777);
  assert.equal(statSync(join(root, imageUser.home)).uid, imageUser.uid);
  assert.match(readFileSync(join(root, "etc/passwd"), "utf8"), new RegExp(`^${imageUser.name}:x:${imageUser.uid}:${imageUser.gid}:`, "m"));
});

test("crane accepts the tarball: it validates, pushes with the printed digest and pulls back the same image", async () => {
  const { image } = await unpackedImage();
  assert.match(await crane(["validate", "--tarball", image.path]), /^PASS/);
  await withLocalRegistry(async (host) => {
    const pushed = (await crane(["push", image.path, `${host}/ferry:${spec.version}`])).trim();
    assert.equal(pushed, `${host}/ferry@${image.digest}`, "crane push keeps the digest npm run image printed");
    assert.equal((await crane(["digest", `${host}/ferry:${spec.version}`])).trim(), image.digest);
    const config = JSON.parse(await crane(["config", `${host}/ferry:${spec.version}`])) as { config: { Labels: Record<string, string> } };
    assert.equal(config.config.Labels["org.opencontainers.image.version"], spec.version);
    assert.match(await crane(["validate", "--remote", `${host}/ferry:${spec.version}`]), /^PASS/);
  });
});

test("run as the chart's Deployment runs it: ready, distributes a Secret, as uid 65532 on a read-only root, stops on SIGTERM", async (t) => {
  const ferryNs = await createNamespace(t, "image-ferry");
  const source = await createNamespace(t, "image-src");
  const target = await createNamespace(t, "image-dst");
  const { container } = await startAsChartPod(t, ferryNs);

  const status = readFileSync(`/proc/${container.pid}/status`, "utf8");
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, "m").exec(status)?.[1]?.trim();
  assert.match(field("Uid") ?? "", /^65532\s+65532\s+65532\s+65532$/);
  assert.match(field("Gid") ?? "", /^65532\s+65532\s+65532\s+65532$/);
  assert.equal(field("Groups"), "", "no supplementary groups");
  assert.equal(field("CapEff"), "0000000000000000", "no capabilities");
  assert.equal(field("NoNewPrivs"), "1", "allowPrivilegeEscalation: false");
  const rootMount = readFileSync(`/proc/${container.pid}/mountinfo`, "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .find((fields) => fields[4] === "/");
  assert.ok(rootMount?.[5]?.split(",").includes("ro"), `the root is mounted read-only: ${rootMount?.join(" ")}`);

  const name = uniqueName("image-copy");
  await createSecret(source, name, { password: `image-s3cret-${name}` }, { annotations: { "ferry.dev/sync-to": target } });
  const copy = await waitForObject("Secret", target, name, () => true, 60_000);
  assert.equal(unb64((copy as { data?: Record<string, string> }).data?.password), `image-s3cret-${name}`);
  assert.equal(copy.metadata.labels?.["app.kubernetes.io/managed-by"], "ferry");

  container.child.kill("SIGTERM");
  assert.equal(await container.exited, 0, "a clean shutdown on SIGTERM");
});

test("on a terminal and without the chart's --log-format=json (docker run -t) the image logs JSON instead of exiting for want of pino-pretty", async (t) => {
  const ferryNs = await createNamespace(t, "image-tty");
  const before = statSync(testLogPath(), { throwIfNoEntry: false })?.size ?? 0;
  const { container } = await startAsChartPod(t, ferryNs, { terminal: true, dropArgs: ["--log-format=json"] });
  const output = readFileSync(testLogPath()).subarray(before).toString("utf8");
  assert.match(output, /"level":"info".*pretty output needs pino-pretty/);
  container.child.kill("SIGTERM");
  await container.exited;
});
