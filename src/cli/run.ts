// Runs Ferry against a cluster: installs CRDs, starts the engine, serves health and metrics.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "node:http";
import { repositoryRoot } from "../controlplane/build.js";
import { Engine, watchRestarts } from "../controller/engine.js";
import type { Policy, PolicyMode } from "../core/types.js";
import { protectedNamespaces } from "../core/protected-namespaces.js";
import { nativeCrds } from "../crds/native-crds.js";
import { copyMarksOf, triggerKeysOf } from "../dialects/index.js";
import { consentedDialects, knownDialects, selectKnownDialects } from "./dialects.js";
import type { CustomResourceType } from "../dialects/dialect.js";
import { KubeClient, isApiError } from "../kube/client.js";
import { applyCrd, ensureForeignCrd, servedTypes } from "../kube/crd-installer.js";
import { SharedInformers } from "../kube/shared-informers.js";
import { startHealthServer } from "../ops/health-server.js";
import type { Logger } from "../ops/logger.js";
import { FerryMetrics } from "../ops/metrics.js";
import { registryCrds, startRegistry, type RunningRegistry } from "../registry/index.js";
import { startHub, type Hub } from "../multicluster/index.js";
import type { ClusterIdentity } from "../core/cluster-identity.js";
import { publishClusterIdentity, resolveClusterIdentity } from "../kube/cluster-identity.js";

export interface FerryOptions {
  client: KubeClient;
  logger: Logger;
  namespace: string;
  policy: PolicyMode;
  /** This cluster's name on every copy; default: derived from the kube-system namespace's UID (core/cluster-identity.ts). */
  clusterName?: string;
  installCrds: boolean;
  dialects?: string[];
  /** Dialects whose rules take over unmarked objects at their targets (consent for tools that mark nothing; Policy.takeOverUnmarked). */
  takeOverUnmarked?: string[];
  concurrency?: number;
  /** Port for /healthz, /readyz and /metrics; 0 picks a free one; undefined serves none. */
  healthPort?: number;
  healthHost?: string;
  relistIntervalMs?: number;
  silenceTimeoutMs?: number;
  /** Serve a dialect whose CRD another controller owns (default: leave it to that controller). */
  serveForeignCrds?: boolean;
  /** Run the registry credentials part (default true). */
  registry?: boolean;
  /** registry-creds compatible environment (default: process.env). */
  registryEnv?: NodeJS.ProcessEnv;
  /** Also act as hub: push to the member clusters registered in Ferry's namespace (docs/multicluster.md). */
  hub?: boolean | { argoCdNamespace?: string };
  /**
   * The process's metrics, when its creator already counts with them (the CLI attaches them to
   * the client's onRequest before Ferry starts); default: a registry of this Ferry's own.
   */
  metrics?: FerryMetrics;
  /** Leader election's write gate for the engine (src/cli/elected-ferry.ts). */
  mayWrite?: () => boolean;
  writeSignal?: AbortSignal;
}

export interface RunningFerry {
  engine: Engine;
  identity: ClusterIdentity;
  /** The shared informers every part watches through. */
  informers: SharedInformers;
  hub?: Hub;
  metrics: FerryMetrics;
  healthUrl?: string;
  stop(): Promise<void>;
}

const foreignCrdDir = () => join(repositoryRoot(), "deploy", "crds", "foreign");

/**
 * The manifest of another project's CRD that Ferry reads, by CRD name
 * (deploy/crds/foreign/<name>.yaml), if Ferry ships one. The YAML parser is loaded only then:
 * a restart, where the CRDs exist, never needs it.
 */
export async function foreignCrd(name: string): Promise<Record<string, unknown> | undefined> {
  const path = join(foreignCrdDir(), `${name}.yaml`);
  if (!existsSync(path)) return undefined;
  const { parseAllDocuments } = await import("yaml");
  return parseAllDocuments(readFileSync(path, "utf8"))
    .map((doc) => doc.toJS() as Record<string, unknown>)
    .find((doc) => doc && doc.kind === "CustomResourceDefinition");
}

/** Creates Ferry's namespace if missing; looks first, so a restart costs no write. */
export async function ensureNamespace(client: KubeClient, logger: Logger, namespace: string): Promise<void> {
  const existing = await client.getOptional(`/api/v1/namespaces/${namespace}`).catch(() => "unknown");
  if (existing !== undefined) return;
  try {
    await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: namespace } } });
    logger.info({ namespace }, "created Ferry's namespace");
  } catch (error) {
    if (!isApiError(error, 409) && !isApiError(error, 403)) throw error;
  }
}

/**
 * Applies Ferry's own CRDs and creates the foreign CRDs of the wanted types when absent, all at
 * once. Returns the foreign types ("group/Kind") another controller owns, which Ferry leaves alone
 * unless told. A foreign CRD's manifest is read only when it must be created.
 */
export async function installCrds(client: KubeClient, logger: Logger, wanted: CustomResourceType[], serveForeign: boolean): Promise<Set<string>> {
  const refused = new Set<string>();
  const own = new Set([...nativeCrds, ...registryCrds].map((crd) => (crd.metadata as { name: string }).name));
  const foreign = [...new Map(wanted.map((type) => [`${type.plural}.${type.group}`, type])).entries()].filter(
    ([name]) => !own.has(name) && existsSync(join(foreignCrdDir(), `${name}.yaml`)),
  );
  await Promise.all([
    ...[...nativeCrds, ...registryCrds].map((crd) => applyCrd(client, crd)),
    ...foreign.map(async ([name, type]) => {
      const outcome = await ensureForeignCrd(client, name, async () => (await foreignCrd(name))!);
      if (outcome === "foreign" && !serveForeign) {
        refused.add(`${type.group}/${type.kind}`);
        logger.warn({ crd: name }, "CRD is owned by another controller: leaving its resources to it (--serve-foreign-crds to serve them)");
      }
    }),
  ]);
  return refused;
}

export async function startFerry(options: FerryOptions): Promise<RunningFerry> {
  const { client, logger } = options;
  const dialects = selectKnownDialects(options.dialects);
  const takeOverUnmarked = consentedDialects(options.takeOverUnmarked);
  // What a known peer tool writes on its copies is known whether or not its dialect is selected.
  const copyMarks = copyMarksOf(knownDialects);
  const metrics = options.metrics ?? new FerryMetrics();
  const wanted: CustomResourceType[] = dialects.flatMap((d) => d.customResourceTypes ?? []);
  // What comes before the watches, at once: Ferry's namespace, the CRDs (then what is served), the identity.
  const [, served, identity] = await Promise.all([
    ensureNamespace(client, logger, options.namespace),
    (async () => {
      const refused = options.installCrds ? await installCrds(client, logger, wanted, options.serveForeignCrds ?? false) : new Set<string>();
      return (await servedTypes(client, wanted)).filter((type) => !refused.has(`${type.group}/${type.kind}`));
    })(),
    resolveClusterIdentity(client, options.clusterName),
  ]);
  for (const type of wanted) {
    if (!served.includes(type)) logger.info({ kind: type.kind, group: type.group }, "custom resource type not served: its dialect reads annotations only");
  }
  // Published while the watches list (it needs the namespace, which exists by now).
  const published = publishClusterIdentity(client, options.namespace, identity).catch((error: Error) =>
    logger.warn({ err: error.message, configMap: "ferry-identity" }, "could not publish this cluster's identity (hubs cannot check it)"),
  );
  const policy: Policy = {
    mode: options.policy,
    protectedNamespaces: protectedNamespaces(options.namespace),
    clusterName: identity.name,
    ownClusterNames: identity.ownNames,
    takeOverUnmarked,
  };
  // One informer per watched collection, handed to every part (Ferry's namespace is watched once).
  const informers = new SharedInformers({
    client,
    relistIntervalMs: options.relistIntervalMs,
    silenceTimeoutMs: options.silenceTimeoutMs,
    onRestart: watchRestarts(logger, metrics),
  });
  const engine = new Engine({
    informers,
    client,
    logger,
    metrics,
    ferryNamespace: options.namespace,
    policy,
    dialects,
    copyMarks,
    servedTypes: served,
    concurrency: options.concurrency,
    relistIntervalMs: options.relistIntervalMs,
    silenceTimeoutMs: options.silenceTimeoutMs,
    mayWrite: options.mayWrite,
    writeSignal: options.writeSignal,
  });
  engine.start();
  metrics.trackWatches(() => engine.watchHealth());
  let registry: RunningRegistry | undefined;
  if (options.registry ?? true) {
    registry = await startRegistry({
      informers,
      client,
      logger,
      metrics,
      ferryNamespace: options.namespace,
      env: options.registryEnv ?? process.env,
      relistIntervalMs: options.relistIntervalMs,
      silenceTimeoutMs: options.silenceTimeoutMs,
    });
  }
  let hub: Hub | undefined;
  if (options.hub) {
    hub = await startHub({
      informers,
      client,
      logger,
      metrics,
      ferryNamespace: options.namespace,
      hubName: identity.name,
      triggerKeys: triggerKeysOf(dialects),
      copyMarks,
      argoCdNamespace: typeof options.hub === "object" ? options.hub.argoCdNamespace : undefined,
      relistIntervalMs: options.relistIntervalMs,
      silenceTimeoutMs: options.silenceTimeoutMs,
    });
  }
  await published;
  const health = {
    isReady: () => engine.isReady() && (registry?.isReady() ?? true) && (hub?.isReady() ?? true),
    watchHealth: () => engine.watchHealth(),
  };
  let server: Server | undefined;
  let healthUrl: string | undefined;
  if (options.healthPort !== undefined) {
    server = await startHealthServer(options.healthPort, health, metrics.registry, options.healthHost);
    const address = server.address();
    if (address && typeof address === "object") healthUrl = `http://127.0.0.1:${address.port}`;
  }
  logger.info({ policy: options.policy, takeOverUnmarked, dialects: dialects.map((d) => d.name), namespace: options.namespace, cluster: identity.name, clusterNameFrom: identity.origin }, "Ferry started");
  return {
    engine,
    identity,
    informers,
    hub,
    metrics,
    healthUrl,
    async stop() {
      metrics.trackWatches(undefined);
      await hub?.stop();
      await registry?.stop();
      await engine.stop();
      await informers.stop();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}
