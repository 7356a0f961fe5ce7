// Projected ServiceAccount tokens as a pod would have them (IRSA, EKS Pod Identity, Azure
// workload identity): a TokenRequest for a ServiceAccount of the run's control plane with a
// given audience, written to a file; and the issuer and public key that verify them.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalControlPlane, SERVICE_ACCOUNT_ISSUER } from "../../src/controlplane/local-control-plane.js";
import { isApiError, type KubeClient } from "../../src/kube/client.js";

export interface TokenIssuer {
  issuer: string;
  publicKeyPem: string;
}

/** Who signs a control plane's ServiceAccount tokens. */
export function serviceAccountIssuer(plane: LocalControlPlane): TokenIssuer {
  return { issuer: SERVICE_ACCOUNT_ISSUER, publicKeyPem: readFileSync(join(plane.dir, "pki", "sa.pub"), "utf8") };
}

/** Creates the ServiceAccount if needed and returns a token for `audience`, written to a file (the projected volume's). */
export async function serviceAccountTokenFile(client: KubeClient, namespace: string, name: string, audience: string, expirationSeconds = 3600): Promise<{ path: string; token: string; subject: string }> {
  try {
    await client.request("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, { body: { metadata: { name } } });
  } catch (error) {
    if (!isApiError(error, 409)) throw error;
  }
  const review = await client.request<{ status: { token: string } }>("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: [audience], expirationSeconds } },
  });
  const path = join(mkdtempSync(join(tmpdir(), "ferry-projected-")), "token");
  writeFileSync(path, review.status.token, { mode: 0o600 });
  return { path, token: review.status.token, subject: `system:serviceaccount:${namespace}:${name}` };
}
