// Entry point of the registry part of Ferry: the RegistryCredentials controller (providers,
// refresh, generated Secrets in Ferry's namespace) and the ServiceAccount patcher. Distribution
// of the generated Secrets is the engine's, through the `registry-creds` dialect.
import { KubeClient } from "../kube/client.js";
import { applyCrd, servedTypes } from "../kube/crd-installer.js";
import { SharedInformers } from "../kube/shared-informers.js";
import type { Logger } from "../ops/logger.js";
import type { FerryMetrics } from "../ops/metrics.js";
import type { Env } from "./config.js";
import { RegistryController } from "./controller.js";
import { registryCredentialCrd, registryCredentialType } from "./crd.js";
import type { ProviderFetch } from "./providers/index.js";
import type { ScheduleTuning } from "./schedule.js";
import { ServiceAccountPatcher } from "./service-account-patcher.js";

export { registryCredentialCrd, registryCredentialType } from "./crd.js";
export { registryCredsDialect } from "./registry-dialect.js";
export { RegistryController, type CredentialInfo } from "./controller.js";
export { ServiceAccountPatcher } from "./service-account-patcher.js";

/** CRDs the installer applies for the registry part (alongside src/crds/native-crds.ts). */
export const registryCrds: Array<Record<string, unknown>> = [registryCredentialCrd];

export interface StartRegistryOptions {
  client: KubeClient;
  logger: Logger;
  metrics?: FerryMetrics;
  ferryNamespace: string;
  /** registry-creds' environment (DOCKER_USER, awsaccount, GCR_URL, ...): normally process.env. */
  env?: Env;
  /** Apply the RegistryCredential CRD first (default false: the installer does it). */
  installCrd?: boolean;
  /** Patch ServiceAccounts' imagePullSecrets (default true). */
  patchServiceAccounts?: boolean;
  tuning?: Partial<ScheduleTuning>;
  fetch?: ProviderFetch;
  relistIntervalMs?: number;
  silenceTimeoutMs?: number;
  /** The composition root's shared informers; without them the registry watches on its own. */
  informers?: SharedInformers;
}

export interface RunningRegistry {
  controller: RegistryController;
  patcher?: ServiceAccountPatcher;
  /** All watches listed and connected. */
  isReady(): boolean;
  stop(): Promise<void>;
}

export async function startRegistry(options: StartRegistryOptions): Promise<RunningRegistry> {
  const { client, logger } = options;
  const log = logger.child({ component: "registry" });
  if (options.installCrd) await applyCrd(client, registryCredentialCrd);
  const served = (await servedTypes(client, [registryCredentialType])).length > 0;
  if (!served) log.info("RegistryCredential is not served: only registry-creds compatible configuration is read");
  const watch = { relistIntervalMs: options.relistIntervalMs, silenceTimeoutMs: options.silenceTimeoutMs };
  const informers = options.informers ?? new SharedInformers({ client, ...watch, onRestart: (name, reason) => log.warn({ watch: name, reason }, "watch restarting") });
  const controller = new RegistryController({
    informers,
    client,
    logger: log,
    metrics: options.metrics,
    ferryNamespace: options.ferryNamespace,
    env: options.env ?? process.env,
    watchResources: served,
    tuning: options.tuning,
    fetch: options.fetch,
  });
  const patcher = options.patchServiceAccounts === false ? undefined : new ServiceAccountPatcher({ client, logger: log, ...watch });
  controller.start();
  patcher?.start();
  let stopped = false;
  return {
    controller,
    patcher,
    isReady: () => controller.isHealthy() && controller.hasResynced() && (patcher?.isHealthy() ?? true),
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([controller.stop(), patcher?.stop()]);
      // Shared informers are the composition root's to stop.
      if (!options.informers) await informers.stop();
    },
  };
}
