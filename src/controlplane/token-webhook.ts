// A local control plane whose API server also authenticates bearer tokens with a TokenReview
// webhook (--authentication-token-webhook-config-file), as EKS, GKE and AKS run one in front of
// theirs: tests give it the cloud's authenticator and prove Ferry's cloud tokens end to end.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TokenWebhook {
  /** The webhook's URL (https), POSTed authentication.k8s.io/v1 TokenReviews. */
  url: string;
  /** PEM of the CA that signed the webhook's serving certificate. */
  caPem: string;
  /** How long the apiserver caches an answer (default 0s: every request is reviewed, so an expired token fails at once). */
  cacheTtl?: string;
}

/** The kubeconfig kube-apiserver reads to call the webhook (the webhook is its "cluster"). */
function webhookKubeconfig(webhook: TokenWebhook): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: token-webhook
  cluster:
    server: ${webhook.url}
    certificate-authority-data: ${Buffer.from(webhook.caPem).toString("base64")}
users:
- name: kube-apiserver
  user: {}
contexts:
- name: token-webhook
  context:
    cluster: token-webhook
    user: kube-apiserver
current-context: token-webhook
`;
}

/** Writes the webhook's kubeconfig into `pkiDir` and returns the kube-apiserver flags that use it. */
export function tokenWebhookArgs(pkiDir: string, webhook: TokenWebhook): string[] {
  const config = join(pkiDir, "token-webhook.kubeconfig");
  writeFileSync(config, webhookKubeconfig(webhook), { mode: 0o600 });
  return [
    `--authentication-token-webhook-config-file=${config}`,
    "--authentication-token-webhook-version=v1",
    `--authentication-token-webhook-cache-ttl=${webhook.cacheTtl ?? "0s"}`,
  ];
}
