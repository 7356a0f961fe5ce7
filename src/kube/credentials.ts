// The credentials of Ferry's client, kept current. @kubernetes/client-node resolves every mode
// from the kubeconfig (certificates, tokens, token files, auth providers, basic auth,
// impersonation); exec plugins run here (exec-credential.ts) so that they can run again before
// the expiry they claim: at 80% of the credential's lifetime, on a timer, whether or not requests
// are being made, so a plugin's token or certificate is replaced before the apiserver would
// refuse it. A plugin's credential without an expiry is kept; the other modes are read again
// every 60 s (projected ServiceAccount token files rotate); any credential refused with 401 is
// fetched again before the next request. A new client certificate is reported, so that the client opens new TLS connections.
import { KubeConfig, type Cluster } from "./kube-config.js";
import type { RequestOptions } from "node:https";
import { credentialRefreshAt } from "./credential-expiry.js";
import { execConfigOf, runExecPlugin, type ExecConfig } from "./exec-credential.js";
import type { TlsMaterial } from "./transport.js";

export interface Credentials {
  headers: Record<string, string>;
  tls: TlsMaterial;
  /** Increases with every refresh; a 401 invalidates only the generation it was sent with. */
  generation: number;
}

/** Share of an exec credential's lifetime after which it is replaced. */
export const refreshShare = 0.8;
const rereadMs = 60_000;
const retryMs = 5_000;
/** setTimeout's longest delay is ~24.8 days; longer waits are taken in steps. */
const longestTimerMs = 24 * 3600_000;

/** When a credential obtained at `obtainedAt` and expiring at `expiresAt` is refreshed. */
export function refreshTime(obtainedAt: number, expiresAt: number): number {
  return obtainedAt + Math.max(expiresAt - obtainedAt, 0) * refreshShare;
}

/** The kubeconfig as client-node should see it: the current user without its exec plugin. */
function withoutExec(kubeConfig: KubeConfig): KubeConfig {
  const current = kubeConfig.getCurrentUser();
  const clone = new KubeConfig();
  clone.loadFromOptions({
    clusters: kubeConfig.getClusters(),
    contexts: kubeConfig.getContexts(),
    currentContext: kubeConfig.getCurrentContext(),
    users: kubeConfig.getUsers().map((user) => (user.name === current?.name ? { ...user, exec: undefined, authProvider: user.authProvider?.config?.exec ? undefined : user.authProvider } : user)),
  });
  return clone;
}

const material = (value: unknown) => (value === undefined ? "" : Array.isArray(value) ? value.map(String).join("\n") : String(value));

function sameClientTls(a: TlsMaterial, b: TlsMaterial): boolean {
  return material(a.cert) === material(b.cert) && material(a.key) === material(b.key) && material(a.ca) === material(b.ca);
}

export class CredentialSource {
  private credentials: Credentials = { headers: {}, tls: {}, generation: 0 };
  private expiresAt: number | undefined;
  private refreshAt = 0;
  private stale = false;
  private refreshing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Exec plugin runs that returned a credential (in use as soon as this count shows it). */
  execRuns = 0;

  private constructor(
    private readonly base: KubeConfig,
    private readonly exec: ExecConfig | undefined,
    private readonly cluster: Cluster | null,
    private readonly onClientTlsChange: (tls: TlsMaterial) => void,
  ) {}

  static async create(kubeConfig: KubeConfig, onClientTlsChange: (tls: TlsMaterial) => void = () => undefined): Promise<CredentialSource> {
    const exec = execConfigOf(kubeConfig.getCurrentUser());
    const source = new CredentialSource(exec ? withoutExec(kubeConfig) : kubeConfig, exec, kubeConfig.getCurrentCluster(), onClientTlsChange);
    await source.refreshOnce();
    return source;
  }

  /** The credentials for a request now: fetched first if expired, refused, or due to be re-read. */
  async current(): Promise<Credentials> {
    const now = Date.now();
    // An exec credential without an expiry is kept until the apiserver refuses it (as client-go does).
    // Native cloud tokens (src/cloud/) say through credential-expiry.ts when theirs must be re-read.
    const external = credentialRefreshAt(this.base);
    const due =
      this.stale ||
      (external !== undefined && now >= external) ||
      (this.expiresAt !== undefined ? now >= this.expiresAt : !this.exec && now >= this.refreshAt);
    if (due) await this.refreshOnce();
    return this.credentials;
  }

  /** The apiserver answered 401 to a request sent with `generation`: fetch anew before the next one. */
  refused(generation: number): void {
    if (generation === this.credentials.generation) this.stale = true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private refreshOnce(): Promise<void> {
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refresh(): Promise<void> {
    const options: RequestOptions = {};
    await this.base.applyToHTTPSOptions(options);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.headers ?? {})) {
      if (typeof value === "string" || typeof value === "number") headers[key] = String(value);
    }
    if (options.auth) headers.Authorization = `Basic ${Buffer.from(options.auth).toString("base64")}`;
    let tls: TlsMaterial = { ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: options.rejectUnauthorized, servername: options.servername };
    let expiresAt: number | undefined;
    if (this.exec) {
      const credential = await runExecPlugin(this.exec, this.cluster);
      this.execRuns++;
      if (credential.token) headers.Authorization = `Bearer ${credential.token}`;
      if (credential.clientCertificateData && credential.clientKeyData) tls = { ...tls, cert: credential.clientCertificateData, key: credential.clientKeyData };
      expiresAt = credential.expiresAt;
    }
    const now = Date.now();
    const first = this.credentials.generation === 0;
    const tlsChanged = !first && !sameClientTls(this.credentials.tls, tls);
    this.credentials = { headers, tls, generation: this.credentials.generation + 1 };
    this.stale = false;
    this.expiresAt = expiresAt;
    this.refreshAt = expiresAt !== undefined ? refreshTime(now, expiresAt) : now + rereadMs;
    if (tlsChanged) this.onClientTlsChange(tls);
    if (expiresAt !== undefined) this.schedule(this.refreshAt);
  }

  /** Refreshes an expiring credential at `at`, in the background; on failure tries again shortly. */
  private schedule(at: number): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => {
      if (Date.now() < at) return this.schedule(at);
      this.refreshOnce().catch(() => this.schedule(Date.now() + retryMs));
    }, Math.min(Math.max(at - Date.now(), 0), longestTimerMs));
    this.timer.unref();
  }
}
