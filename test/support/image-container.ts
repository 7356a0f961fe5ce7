// Runs an unpacked image the way a container runtime would, with no container engine: in a private
// mount namespace (unshare -m) the image's root gets /proc, a minimal /dev, its volumes (tmpfs for
// an emptyDir, read-only binds for files such as the ServiceAccount token) and is remounted
// read-only; then the process enters it (unshare --root, --wd) as the given uid/gid with
// no_new_privs set (setpriv), with exactly the image's environment plus the pod's, and execs the
// image's entrypoint and command. Each step execs the next, so the child's pid is the app's pid.
// Not emulated: network, pid, IPC and UTS namespaces, cgroups and seccomp (the process shares this
// machine's network, so it reaches the local apiserver on 127.0.0.1).
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImageConfigFile } from "../../tools/image/oci-archive.js";

export interface ContainerSpec {
  /** The unpacked image (test/support/image-rootfs.ts). */
  root: string;
  image: ImageConfigFile["config"];
  /** Replaces the image's Cmd, as a pod's `args` (or `docker run IMAGE ARGS...`) does. */
  args?: string[];
  /** Added to the image's Env; the same name replaces the image's value. */
  env?: Record<string, string>;
  uid: number;
  gid: number;
  readOnlyRoot: boolean;
  /** emptyDir volumes: a tmpfs at each path. */
  tmpfs?: Array<{ path: string; sizeMiB: number }>;
  /** Read-only binds of host directories, e.g. the ServiceAccount token's. */
  binds?: Array<{ source: string; target: string }>;
  /** Stdout and stderr a terminal (a pty from script(1)), as `docker run -t` or `kubectl run -t`. */
  terminal?: boolean;
  /** stdout and stderr are appended here. */
  output: string;
}

export interface RunningContainer {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** The app's pid (without a terminal: the child's, since every step execs the next). */
  pid: number;
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** The environment the app sees: the image's Env with the pod's entries added or replaced. */
export function containerEnv(image: ImageConfigFile["config"], env: Record<string, string> = {}): string[] {
  const merged = new Map((image.Env ?? []).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)] as const));
  for (const [key, value] of Object.entries(env)) merged.set(key, value);
  return [...merged].map(([key, value]) => `${key}=${value}`);
}

/** The bash script that sets up the mounts and execs into the image. */
export function launcherScript(spec: ContainerSpec): string {
  const root = quote(spec.root);
  const argv = [...(spec.image.Entrypoint ?? []), ...(spec.args ?? spec.image.Cmd ?? [])];
  if (argv.length === 0) throw new Error("the image has neither an entrypoint nor a command");
  const lines = [
    "set -euo pipefail",
    `root=${root}`,
    'mount --bind "$root" "$root"',
    // Mount points, created in the unpacked tree as a runtime creates them before the root turns read-only.
    'mkdir -p "$root/proc" "$root/dev"',
    'mount -t proc -o nosuid,nodev,noexec proc "$root/proc"',
    'mount -t tmpfs -o nosuid,mode=755,size=64k tmpfs "$root/dev"',
    'for device in null zero full random urandom tty; do touch "$root/dev/$device"; mount --bind "/dev/$device" "$root/dev/$device"; done',
  ];
  for (const volume of spec.tmpfs ?? []) {
    lines.push(`mkdir -p "$root"${quote(volume.path)}`, `mount -t tmpfs -o nosuid,nodev,mode=1777,size=${volume.sizeMiB}m tmpfs "$root"${quote(volume.path)}`);
  }
  for (const bind of spec.binds ?? []) {
    lines.push(`mkdir -p "$root"${quote(bind.target)}`, `mount --bind ${quote(bind.source)} "$root"${quote(bind.target)}`, `mount -o remount,bind,ro "$root"${quote(bind.target)}`);
  }
  if (spec.readOnlyRoot) lines.push('mount -o remount,bind,ro "$root"');
  const enter = [
    "env",
    "-i",
    ...containerEnv(spec.image, spec.env),
    "setpriv",
    "--no-new-privs",
    "unshare",
    "--root",
    spec.root,
    "--wd",
    spec.image.WorkingDir || "/",
    "--setuid",
    String(spec.uid),
    "--setgid",
    String(spec.gid),
    "--",
    ...argv,
  ];
  lines.push(`exec ${enter.map(quote).join(" ")}`);
  return `${lines.join("\n")}\n`;
}

export function startContainer(spec: ContainerSpec): RunningContainer {
  const launcherDir = mkdtempSync(join(tmpdir(), "ferry-image-launcher-"));
  const launcher = join(launcherDir, "launch.sh");
  writeFileSync(launcher, launcherScript(spec));
  const inNamespace = ["unshare", "--mount", "--propagation", "private", "bash", launcher];
  const [command, ...args] = spec.terminal ? ["script", "--quiet", "--return", "--flush", "--command", inNamespace.map(quote).join(" "), "/dev/null"] : inNamespace;
  const output = openSync(spec.output, "a");
  const child = spawn(command!, args, { stdio: ["ignore", output, output] });
  closeSync(output);
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.on("error", () => resolve(null));
  }).finally(() => rmSync(launcherDir, { recursive: true, force: true }));
  return { child, exited, pid: child.pid! };
}

/** Runs the image to completion; its exit code. */
export function runContainer(spec: ContainerSpec): Promise<number | null> {
  return startContainer(spec).exited;
}
