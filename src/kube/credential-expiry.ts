// The seam between credentials that expire and the transport that sends them: whoever
// authenticates a KubeConfig (the native cloud tokens of src/cloud/, an exec plugin's
// expirationTimestamp) says when its current credential must be fetched again, and KubeClient
// re-reads its headers by then instead of on its usual minute. Keyed by the KubeConfig object.
import type { KubeConfig } from "./kube-config.js";

const refreshTimes = new WeakMap<KubeConfig, () => number | undefined>();

/** Registers when the credential of `kubeConfig` needs fetching again (epoch ms; undefined: no deadline yet). */
export function setCredentialRefresh(kubeConfig: KubeConfig, refreshAt: () => number | undefined): void {
  refreshTimes.set(kubeConfig, refreshAt);
}

/** When the client must re-read the credential of `kubeConfig`, if anyone said so. */
export function credentialRefreshAt(kubeConfig: KubeConfig): number | undefined {
  return refreshTimes.get(kubeConfig)?.();
}
