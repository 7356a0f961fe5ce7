// What the peer tools are given to copy, in their own formats, for the runs that record their
// copies (copies.ts) and the cutover runs (cutover.ts): namespaces, sources in the peer's format
// (push and pull where the tool has both, one unrelated object where a target is taken), a
// rotation and the deletion of some sources. All values are dummies.
import { execFileSync } from "node:child_process";
import type { PeerName } from "./peer.js";

export interface Ref {
  kind: "secret" | "configmap";
  namespace: string;
  name: string;
}

export interface Scenario {
  /** Namespaces to create, with labels. */
  namespaces: Record<string, Record<string, string>>;
  /** Objects applied before the peer starts working (sources, pull targets, bystanders). */
  manifests: string;
  /**
   * Copies the peer must have written (exists and holds `value` under `key`); after the rotation
   * every copy must hold the rotated value. `afterRotation`: only checked after the rotation.
   */
  copies: { ref: Ref; key: string; value: string; afterRotation?: boolean }[];
  /** Everything dumped after each phase (sources, copies, bystanders). */
  dump: Ref[];
  /** The rotation: the sources re-applied with "v2" where they had "v1". */
  rotate: string;
  /** Last phase: these sources are deleted; `gone` must disappear (the rest is dumped as it is left). */
  remove: { sources: Ref[]; gone: Ref[] };
}

export const b64 = (s: string) => Buffer.from(s).toString("base64");
const R = "replicator.v1.mittwald.de";
const K = "kubed.appscode.com";

export const scenarios: Record<PeerName, Scenario> = {
  replicator: {
    namespaces: {
      "repl-src": {},
      "repl-a": {},
      "repl-sel": { team: "blue" },
      "repl-pull": {},
      "repl-taken": {},
    },
    manifests: secretsAndMaps("v1"),
    copies: [
      { ref: { kind: "secret", namespace: "repl-a", name: "push-secret" }, key: "password", value: b64("v1") },
      { ref: { kind: "secret", namespace: "repl-sel", name: "push-secret" }, key: "password", value: b64("v1") },
      // An existing unrelated Secret of the push name: the replicator merges into it, but only once
      // its informer has seen it (at start-up the create races the cache, fails with
      // AlreadyExists and is not retried until the next event), so it is checked after the rotation.
      { ref: { kind: "secret", namespace: "repl-taken", name: "push-secret" }, key: "password", value: b64("v1"), afterRotation: true },
      { ref: { kind: "configmap", namespace: "repl-a", name: "push-cm" }, key: "setting", value: "v1" },
      { ref: { kind: "secret", namespace: "repl-pull", name: "pull-target" }, key: "password", value: b64("v1") },
      { ref: { kind: "configmap", namespace: "repl-pull", name: "pull-target-cm" }, key: "setting", value: "v1" },
    ],
    dump: [
      { kind: "secret", namespace: "repl-src", name: "push-secret" },
      { kind: "secret", namespace: "repl-a", name: "push-secret" },
      { kind: "secret", namespace: "repl-sel", name: "push-secret" },
      { kind: "secret", namespace: "repl-taken", name: "push-secret" },
      { kind: "configmap", namespace: "repl-src", name: "push-cm" },
      { kind: "configmap", namespace: "repl-a", name: "push-cm" },
      { kind: "secret", namespace: "repl-src", name: "pull-source" },
      { kind: "secret", namespace: "repl-pull", name: "pull-target" },
      { kind: "configmap", namespace: "repl-src", name: "pull-source-cm" },
      { kind: "configmap", namespace: "repl-pull", name: "pull-target-cm" },
    ],
    rotate: secretsAndMaps("v2", true),
    remove: {
      sources: [
        { kind: "secret", namespace: "repl-src", name: "push-secret" },
        { kind: "secret", namespace: "repl-src", name: "pull-source" },
      ],
      gone: [
        { kind: "secret", namespace: "repl-a", name: "push-secret" },
        { kind: "secret", namespace: "repl-sel", name: "push-secret" },
      ],
    },
  },
  "config-syncer": {
    namespaces: { "cs-src": {}, "cs-a": { app: "kubed" }, "cs-b": {}, "cs-taken": { app: "kubed" } },
    manifests: kubedSources("v1"),
    copies: [
      { ref: { kind: "configmap", namespace: "cs-a", name: "omni" }, key: "setting", value: "v1" },
      { ref: { kind: "configmap", namespace: "cs-taken", name: "omni" }, key: "setting", value: "v1" },
      { ref: { kind: "secret", namespace: "cs-a", name: "everywhere" }, key: "password", value: b64("v1") },
      { ref: { kind: "secret", namespace: "cs-b", name: "everywhere" }, key: "password", value: b64("v1") },
      { ref: { kind: "secret", namespace: "kube-public", name: "everywhere" }, key: "password", value: b64("v1") },
    ],
    dump: [
      { kind: "configmap", namespace: "cs-src", name: "omni" },
      { kind: "configmap", namespace: "cs-a", name: "omni" },
      { kind: "configmap", namespace: "cs-taken", name: "omni" },
      { kind: "secret", namespace: "cs-src", name: "everywhere" },
      { kind: "secret", namespace: "cs-a", name: "everywhere" },
      { kind: "secret", namespace: "cs-b", name: "everywhere" },
      { kind: "secret", namespace: "kube-public", name: "everywhere" },
    ],
    rotate: kubedSources("v2", true),
    remove: {
      sources: [{ kind: "configmap", namespace: "cs-src", name: "omni" }],
      gone: [{ kind: "configmap", namespace: "cs-a", name: "omni" }],
    },
  },
};

/** replicator: a push Secret (names + label selector), a push ConfigMap, pull Secret/ConfigMap pairs, and an unrelated Secret of the push name in repl-taken. */
function secretsAndMaps(value: string, sourcesOnly = false): string {
  const docs = [
    `apiVersion: v1
kind: Secret
metadata:
  name: push-secret
  namespace: repl-src
  labels: { app.kubernetes.io/name: demo, team: platform }
  annotations:
    ${R}/replicate-to: "repl-a,repl-taken"
    ${R}/replicate-to-matching: "team=blue"
    example.com/note: "an annotation of the source"
type: Opaque
data: { password: ${b64(value)}, username: ${b64("admin")} }`,
    `apiVersion: v1
kind: ConfigMap
metadata:
  name: push-cm
  namespace: repl-src
  labels: { team: platform }
  annotations: { ${R}/replicate-to: "repl-a" }
data: { setting: "${value}" }
binaryData: { blob: ${b64("binary-" + value)} }`,
    `apiVersion: v1
kind: Secret
metadata:
  name: pull-source
  namespace: repl-src
  labels: { team: platform }
  annotations:
    ${R}/replication-allowed: "true"
    ${R}/replication-allowed-namespaces: "repl-pull"
type: Opaque
data: { password: ${b64(value)} }`,
    `apiVersion: v1
kind: ConfigMap
metadata:
  name: pull-source-cm
  namespace: repl-src
  annotations:
    ${R}/replication-allowed: "true"
    ${R}/replication-allowed-namespaces: "repl-.*"
data: { setting: "${value}" }`,
  ];
  if (!sourcesOnly) {
    docs.push(
      `apiVersion: v1
kind: Secret
metadata:
  name: pull-target
  namespace: repl-pull
  annotations: { ${R}/replicate-from: repl-src/pull-source }
type: Opaque`,
      `apiVersion: v1
kind: ConfigMap
metadata:
  name: pull-target-cm
  namespace: repl-pull
  annotations: { ${R}/replicate-from: repl-src/pull-source-cm }`,
      `apiVersion: v1
kind: Secret
metadata:
  name: push-secret
  namespace: repl-taken
  labels: { owner: someone-else }
type: Opaque
data: { own-key: ${b64("not the replicator's")} }`,
    );
  }
  return docs.join("\n---\n");
}

/** config-syncer: a ConfigMap synced by namespace selector, a Secret synced everywhere, and an unrelated ConfigMap of the synced name in cs-taken. */
function kubedSources(value: string, sourcesOnly = false): string {
  const docs = [
    `apiVersion: v1
kind: ConfigMap
metadata:
  name: omni
  namespace: cs-src
  labels: { team: platform }
  annotations:
    ${K}/sync: "app=kubed"
    example.com/note: "an annotation of the source"
data: { setting: "${value}" }
binaryData: { blob: ${b64("binary-" + value)} }`,
    `apiVersion: v1
kind: Secret
metadata:
  name: everywhere
  namespace: cs-src
  labels: { app.kubernetes.io/name: demo }
  annotations: { ${K}/sync: "" }
type: Opaque
data: { password: ${b64(value)} }`,
  ];
  if (!sourcesOnly) {
    docs.push(`apiVersion: v1
kind: ConfigMap
metadata:
  name: omni
  namespace: cs-taken
  labels: { owner: someone-else }
data: { own-key: "not config-syncer's" }`);
  }
  return docs.join("\n---\n");
}

export function kubectl(kubeconfig: string, args: string[], input?: string): string {
  return execFileSync("kubectl", ["--kubeconfig", kubeconfig, ...args], { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

/** Creates the scenario's namespaces and applies its sources, pull targets and bystanders (kubectl apply, as users do). */
export function applyScenario(kubeconfig: string, scenario: Scenario): void {
  for (const [ns, labels] of Object.entries(scenario.namespaces)) {
    const labelLines = Object.entries(labels).map(([k, v]) => `    ${k}: "${v}"`);
    const manifest = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n${labelLines.length ? `  labels:\n${labelLines.join("\n")}\n` : ""}`;
    kubectl(kubeconfig, ["apply", "-f", "-"], manifest);
  }
  kubectl(kubeconfig, ["apply", "-f", "-"], scenario.manifests);
}
