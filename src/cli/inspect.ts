// `ferry status | explain | plan | convert`: read-only views computed by the same engine and
// plan() that the controller runs, in dry-run mode (nothing is written).
import { readFileSync } from "node:fs";
import { pino } from "pino";
import { parseAllDocuments, stringify } from "yaml";
import { Engine } from "../controller/engine.js";
import { sourceObject } from "../kube/observed-records.js";
import { copyName } from "../core/desired-copy.js";
import { protectedNamespaces } from "../core/protected-namespaces.js";
import { decideNamespace } from "../core/target-selection.js";
import type { Action, PolicyMode, Rule, RuleReport, SourceObject } from "../core/types.js";
import { copyMarksOf } from "../dialects/index.js";
import { knownDialects } from "./dialects.js";
import { namespaceToLookAt, readCommandKubeConfig } from "./kubeconfig.js";
import { KubeClient } from "../kube/client.js";
import { inspectionIdentity } from "../kube/cluster-identity.js";
import { servedTypes } from "../kube/crd-installer.js";
import { formatMemberStatus, readMemberStatus } from "../multicluster/index.js";
import type { KubeObject } from "../kube/informer.js";
import { waitFor } from "../util/wait-for.js";

export interface InspectFlags {
  kubeconfig?: string;
  context?: string;
  /** The namespace to look at (-n, as kubectl); default: the context's namespace, else `default`. */
  namespace?: string;
  /** Every namespace (-A), and cluster-scoped objects. */
  allNamespaces?: boolean;
  /** Ferry's own namespace. */
  ferryNamespace: string;
  policy: PolicyMode;
  /** Default: what the running Ferry published in its namespace, else derived as it would (kube/cluster-identity.ts). */
  clusterName?: string;
  output?: "table" | "json" | "yaml";
}

/** The read-only commands' client and the namespace they look at, as kubectl picks them (cli/kubeconfig.ts). */
async function cliClient(flags: InspectFlags): Promise<{ client: KubeClient; namespace: string }> {
  const kubeConfig = readCommandKubeConfig(flags);
  return { client: await KubeClient.create(kubeConfig), namespace: namespaceToLookAt(kubeConfig, flags.namespace) };
}

/** Starts a dry-run engine over the cluster, waits for a complete plan, runs `use` with the namespace to look at, stops. */
export async function withDryEngine<T>(flags: InspectFlags, use: (engine: Engine, namespace: string) => Promise<T> | T): Promise<T> {
  const { client, namespace } = await cliClient(flags);
  try {
    return await withDryEngineOn(client, flags, (engine) => use(engine, namespace));
  } finally {
    client.close();
  }
}

/** Whether a rule's object is in view: in the namespace looked at, or anywhere with -A. */
const inView = (flags: InspectFlags, namespace: string) => (origin: { namespace?: string }) => flags.allNamespaces === true || origin.namespace === namespace;

/** The same, on an existing client (the fault suite's fixed-point check uses it). */
export async function withDryEngineOn<T>(
  client: KubeClient,
  flags: Pick<InspectFlags, "ferryNamespace" | "policy" | "clusterName">,
  use: (engine: Engine) => Promise<T> | T,
): Promise<T> {
  const dialects = [...knownDialects];
  const identity = await inspectionIdentity(client, flags.ferryNamespace, flags.clusterName);
  const engine = new Engine({
    client,
    logger: pino({ level: "silent" }),
    ferryNamespace: flags.ferryNamespace,
    policy: { mode: flags.policy, protectedNamespaces: protectedNamespaces(flags.ferryNamespace), clusterName: identity.name, ownClusterNames: identity.ownNames },
    dialects,
    copyMarks: copyMarksOf(knownDialects),
    servedTypes: await servedTypes(client, dialects.flatMap((d) => d.customResourceTypes ?? [])),
    dryRun: true,
  });
  engine.start();
  try {
    await waitFor(() => engine.hasSynced() && engine.reports().reports.every((r) => r.problem?.reason !== "SourcePending") && engine.isReady(), {
      timeoutMs: 60_000,
      description: "the cluster's state to load",
    });
    return await use(engine);
  } finally {
    await engine.stop();
  }
}

export function ruleName(rule: Rule): string {
  const origin = rule.origin;
  return `${origin.kind}/${origin.namespace ? `${origin.namespace}/` : ""}${origin.name}`;
}

function print(rows: Array<Record<string, unknown>>, output: InspectFlags["output"], columns: string[]): void {
  if (output === "json") {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (output === "yaml") {
    console.log(stringify(rows));
    return;
  }
  const cells = [columns, ...rows.map((row) => columns.map((column) => String(row[column.toLowerCase()] ?? "")))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  for (const line of cells) console.log(line.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
}

export async function statusCommand(flags: InspectFlags): Promise<void> {
  const { client, namespace } = await cliClient(flags);
  const shown = inView(flags, namespace);
  try {
    const { rules, errors, cluster } = await withDryEngineOn(client, flags, (engine) => ({
      rules: ruleRows(engine, (report) => shown(report.rule.origin)),
      errors: engine.reports().errors.filter((error) => shown(error.origin)),
      cluster: engine.policy.clusterName,
    }));
    // Member clusters are registered in Ferry's namespace: shown when looking there, or everywhere.
    const members = flags.allNamespaces || namespace === flags.ferryNamespace ? await readMemberStatus(client, flags.ferryNamespace) : [];
    if (flags.output === "json" || flags.output === "yaml") {
      const document = { cluster, rules, members, errors: errors.map((e) => ({ object: `${e.origin.kind}/${e.origin.namespace ?? ""}/${e.origin.name}`, reason: e.reason, message: e.message })) };
      console.log(flags.output === "json" ? JSON.stringify(document, null, 2) : stringify(document));
      return;
    }
    console.log(`Cluster: ${cluster} (written on copies as ferry.dev/source-cluster)\n`);
    print(rules, "table", ["RULE", "DIALECT", "SOURCE", "DESIRED", "SYNCED", "CONFLICTS", "FAILED", "STATE"]);
    if (errors.length > 0) {
      console.log("\nInput errors:");
      for (const error of errors) console.log(`  ${error.origin.kind}/${error.origin.namespace ?? ""}/${error.origin.name}: ${error.reason}: ${error.message}`);
    }
    if (members.length > 0) console.log(`\nMember clusters (this cluster is their hub):\n${formatMemberStatus(members).trimEnd()}`);
  } finally {
    client.close();
  }
}

function ruleRows(engine: Engine, shown: (report: RuleReport) => boolean): Array<Record<string, unknown>> {
  return engine.reports().reports.filter(shown).map((report) => ({
    rule: ruleName(report.rule),
    dialect: report.rule.origin.dialect,
    source: report.rule.source.inline ? "(inline)" : `${report.rule.source.kind}/${report.rule.source.namespace}/${report.rule.source.name}`,
    desired: report.desired,
    synced: report.synced,
    conflicts: report.conflicts,
    failed: report.failed,
    state: report.problem?.reason ?? (report.synced === report.desired && report.conflicts === 0 ? "Synced" : report.conflicts > 0 ? "Conflict" : "Syncing"),
  }));
}

export async function explainCommand(name: string | undefined, flags: InspectFlags): Promise<void> {
  await withDryEngine(flags, (engine, namespace) => {
    const info = engine.namespaceInfo(namespace);
    const rows = engine
      .reports()
      .reports.filter((report) => name === undefined || copyName(report.rule) === name)
      .map((report) => {
        const rule = report.rule;
        const outcome = report.outcomes.find((o) => o.namespace === namespace);
        const decision = info ? decideNamespace(rule, info, engine.policy) : { selected: false, reason: "NamespaceNotFound", message: `namespace ${namespace} does not exist` };
        let result: string;
        if (report.problem) result = `${report.problem.reason}: ${report.problem.message}`;
        else if (!decision.selected) result = `${decision.reason}: ${decision.message}`;
        else if (outcome) result = `${outcome.state} (${outcome.reason}): ${outcome.message}`;
        else result = `Synced: selected (${decision.reason}) and in sync`;
        return { rule: ruleName(rule), copy: `${rule.source.kind}/${copyName(rule)}`, selected: decision.selected ? "yes" : "no", why: result };
      });
    if (rows.length === 0) console.log(name ? `no rule produces a copy named ${name}` : "no rules");
    else print(rows, flags.output, ["RULE", "COPY", "SELECTED", "WHY"]);
  });
}

/** Namespaced custom resource types ("group/version/Kind") of every known dialect. */
const namespacedTypes = new Set(
  knownDialects.flatMap((d) => d.customResourceTypes ?? []).filter((type) => type.namespaced).map((type) => `${type.group}/${type.version}/${type.kind}`),
);

/**
 * Reads a YAML file into overlay objects: Secrets/ConfigMaps become sources, others custom
 * resources. Namespaced objects that name no namespace are in `namespace` (kubectl apply -n).
 */
export function readOverlay(path: string, namespace = "default"): { sources: SourceObject[]; resources: KubeObject[] } {
  const sources: SourceObject[] = [];
  const resources: KubeObject[] = [];
  for (const doc of parseAllDocuments(readFileSync(path, "utf8"))) {
    const object = doc.toJS() as KubeObject | null;
    if (!object?.kind || !object.metadata) continue;
    if ((object.kind === "Secret" || object.kind === "ConfigMap") && object.apiVersion === "v1") {
      const stringData = (object.stringData as Record<string, string> | undefined) ?? {};
      const data = { ...((object.data as Record<string, string> | undefined) ?? {}) };
      for (const [key, value] of Object.entries(stringData)) data[key] = object.kind === "Secret" ? Buffer.from(value).toString("base64") : value;
      sources.push(sourceObject(object.kind, { ...object, metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace }, data }));
    } else {
      const namespaced = namespacedTypes.has(`${object.apiVersion}/${object.kind}`);
      resources.push(namespaced && !object.metadata.namespace ? { ...object, metadata: { ...object.metadata, namespace } } : object);
    }
  }
  return { sources, resources };
}

const describeAction = (action: Action) =>
  action.type === "delete"
    ? { action: "delete", kind: action.kind, namespace: action.namespace, name: action.name }
    : { action: action.type, kind: action.desired.kind, namespace: action.desired.namespace, name: action.desired.name };

export async function planCommand(file: string, flags: InspectFlags): Promise<void> {
  await withDryEngine(flags, (engine, namespace) => {
    const overlay = readOverlay(file, namespace);
    const signature = (action: Action) => `${action.type} ${action.key} ${action.type === "delete" ? "" : action.desired.contentHash}`;
    const before = new Set(engine.computePlan().actions.map(signature));
    engine.setOverlay(overlay);
    const after = engine.computePlan();
    const rows = after.actions
      .filter((action) => !before.has(signature(action)))
      .map((action) => ({ ...describeAction(action), rule: action.ruleId ?? "" }));
    if (rows.length === 0) console.log("no changes");
    else print(rows, flags.output, ["ACTION", "KIND", "NAMESPACE", "NAME", "RULE"]);
    for (const error of after.errors) console.log(`input error: ${error.origin.kind}/${error.origin.name}: ${error.reason}: ${error.message}`);
  });
}

/** The native resource that means the same as a dialect's rule. */
export function nativeEquivalent(rule: Rule): { resource?: Record<string, unknown>; note?: string } {
  if (rule.source.inline) return { note: "inline content (ResourceDistribution.spec.resource) has no native equivalent: create the Secret/ConfigMap and distribute it" };
  if (rule.pull) return { note: "a pull rule (the target asks for the data) has no native equivalent: distribute from the source with a ClusterDistribution" };
  const cluster = rule.scope === "administrator";
  const targets: Record<string, unknown> = {};
  if (rule.targets.allNamespaces) targets.allNamespaces = true;
  if (rule.targets.namespaces.length > 0) targets.namespaces = rule.targets.namespaces;
  if (rule.targets.namespaceSelector) targets.namespaceSelector = rule.targets.namespaceSelector;
  if (rule.targets.exclude.length > 0) targets.exclude = rule.targets.exclude;
  const notes: string[] = [];
  if (rule.targets.namespaceRegexes?.length) notes.push(`regular expressions ${rule.targets.namespaceRegexes.join(", ")} need names or globs`);
  if (rule.targets.excludeAnnotated) notes.push(`namespaces annotated ${Object.keys(rule.targets.excludeAnnotated).join(", ")} are skipped by the dialect`);
  const copy: Record<string, unknown> = {};
  if (rule.copy.name) copy.name = rule.copy.name;
  if (Object.keys(rule.copy.labels).length > 0) copy.labels = rule.copy.labels;
  if (Object.keys(rule.copy.annotations).length > 0) copy.annotations = rule.copy.annotations;
  return {
    resource: {
      apiVersion: "ferry.dev/v1alpha1",
      kind: cluster ? "ClusterDistribution" : "Distribution",
      metadata: cluster ? { name: rule.origin.name } : { name: rule.origin.name, namespace: rule.source.namespace },
      spec: {
        source: cluster ? { kind: rule.source.kind, name: rule.source.name, namespace: rule.source.namespace } : { kind: rule.source.kind, name: rule.source.name },
        targets,
        ...(Object.keys(copy).length > 0 ? { copy } : {}),
        ...(rule.prune ? {} : { prune: false }),
        ...(rule.conflict !== "skip" ? { conflict: rule.conflict } : {}),
      },
    },
    note: notes.length > 0 ? notes.join("; ") : undefined,
  };
}

export async function convertCommand(flags: InspectFlags): Promise<void> {
  await withDryEngine(flags, (engine, namespace) => {
    const shown = inView(flags, namespace);
    const converted = engine
      .computePlan()
      .rules.filter((rule) => rule.origin.dialect !== "native" && shown(rule.origin))
      .map((rule) => ({ from: ruleName(rule), dialect: rule.origin.dialect, ...nativeEquivalent(rule) }));
    if (flags.output === "json") {
      console.log(JSON.stringify(converted, null, 2));
      return;
    }
    for (const item of converted) {
      console.log(`# from ${item.dialect} ${item.from}${item.note ? `\n# note: ${item.note}` : ""}`);
      if (item.resource) console.log(`---\n${stringify(item.resource)}`);
    }
  });
}
