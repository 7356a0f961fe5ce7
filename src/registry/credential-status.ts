// The status of a RegistryCredential: Ready and Degraded conditions, the Secret's name, the
// registries, refresh and expiry times and the last error (never a credential). Pure.
import type { CredentialState } from "./credentials.js";

export function credentialStatus(state: CredentialState, ready: { status: "True" | "False"; reason: string; message: string }, generation: number | undefined): Record<string, unknown> {
  const conditions: Array<Record<string, unknown>> = [{ type: "Ready", ...ready, observedGeneration: generation }];
  if (state.auths && state.lastError) {
    conditions.push({ type: "Degraded", status: "True", reason: "RefreshFailed", message: `${state.lastError}; the last good credential stays in place until it expires`, observedGeneration: generation });
  } else {
    conditions.push({ type: "Degraded", status: "False", reason: state.auths ? "Refreshed" : ready.reason, message: "", observedGeneration: generation });
  }
  const status: Record<string, unknown> = {
    observedGeneration: generation,
    secretName: state.spec.secretName,
    registries: [...new Set((state.auths ?? []).map((auth) => auth.registry))].sort(),
    conditions,
  };
  // Status is merge-patched: a field that no longer applies is cleared with null.
  status.lastRefreshTime = state.fetchedAt !== undefined ? new Date(state.fetchedAt).toISOString() : null;
  status.nextRefreshTime = state.nextRefreshAt !== undefined ? new Date(state.nextRefreshAt).toISOString() : null;
  status.expiresAt = state.expiresAt !== undefined ? new Date(state.expiresAt).toISOString() : null;
  status.lastError = state.lastError ?? null;
  return status;
}
