// The seam between cloud tokens and the Kubernetes client: a KubeConfig whose users run an exec
// plugin Ferry can serve (exec-recognition.ts) and whose binary is not installed gets those
// users rewritten to a marker auth provider, and an Authenticator (client-node's addAuthenticator)
// that answers for them with a RenewingToken. The KubeConfig also tells KubeClient when the
// token is due for renewal (kube/credential-expiry.ts). Other exec plugins run as written.
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import type { RequestOptions } from "node:https";
import { KubeConfig, type User } from "../kube/kube-config.js";
import { setCredentialRefresh } from "../kube/credential-expiry.js";
import { RenewingToken } from "./cluster-token.js";
import { recogniseExec, type Env } from "./exec-recognition.js";
import { describeCredential, type NativeCredential } from "./native-credential.js";
import { tokenSourceFor } from "./token-sources.js";

/** The auth provider name that marks a user served by Ferry's native cloud tokens. */
export const NATIVE_AUTH_PROVIDER = "ferry-cloud-token";

export interface NativeCredentialsOptions {
  /** The environment exec plugins would see (default: process.env). */
  env?: Env;
  /** Whether a binary is installed (default: found on PATH and executable). */
  hasBinary?: (command: string) => boolean;
}

export interface ServedCredentials {
  /** The KubeConfig to use: users served natively are rewritten; the rest is the input's. */
  kubeConfig: KubeConfig;
  /** Safe descriptions of what is served natively, by user name (for status and errors). */
  descriptions: Map<string, string>;
  /** Plugins Ferry recognised but cannot serve in this form, with why (the binary is absent too), by user name. */
  problems: Map<string, string>;
}

const servedDescriptions = new WeakMap<KubeConfig, ReadonlyMap<string, string>>();

/** What the current user of a KubeConfig built here authenticates with, when Ferry serves it natively. */
export function nativeCredentialDescription(kubeConfig: KubeConfig): string | undefined {
  const user = kubeConfig.getCurrentUser();
  return user ? servedDescriptions.get(kubeConfig)?.get(user.name) : undefined;
}

/** True when `command` is an executable file on PATH (or at its path). */
export function binaryInstalled(command: string, env: Env = process.env): boolean {
  const candidates = isAbsolute(command) || command.includes("/") ? [command] : (env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

type Authenticator = Parameters<KubeConfig["addAuthenticator"]>[0];

class CloudTokenAuthenticator implements Authenticator {
  private readonly tokens = new Map<string, Promise<RenewingToken>>();
  private readonly minted = new Set<RenewingToken>();

  constructor(private readonly credentials: ReadonlyMap<string, NativeCredential>) {}

  isAuthProvider(user: User): boolean {
    return user.authProvider?.name === NATIVE_AUTH_PROVIDER && this.credentials.has(user.name);
  }

  async applyAuthentication(user: User, opts: RequestOptions): Promise<void> {
    const { token } = await (await this.renewing(user.name)).token();
    opts.headers = { ...(opts.headers ?? {}), Authorization: `Bearer ${token}` };
  }

  /** The earliest renewal among the tokens minted so far. */
  renewAt(): number | undefined {
    let earliest: number | undefined;
    for (const token of this.minted) {
      const at = token.renewAt();
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    return earliest;
  }

  private renewing(userName: string): Promise<RenewingToken> {
    let pending = this.tokens.get(userName);
    if (!pending) {
      pending = tokenSourceFor(this.credentials.get(userName)!).then((source) => {
        const token = new RenewingToken(source);
        this.minted.add(token);
        return token;
      });
      this.tokens.set(userName, pending);
    }
    return pending;
  }
}

/** Serves the recognised exec plugins of `input` natively when their binary is absent. */
export function serveNativeCredentials(input: KubeConfig, options: NativeCredentialsOptions = {}): ServedCredentials {
  const env = options.env ?? process.env;
  const hasBinary = options.hasBinary ?? ((command: string) => binaryInstalled(command, env));
  const served = new Map<string, NativeCredential>();
  const problems = new Map<string, string>();
  const users = input.getUsers().map((user): User => {
    const exec = user.exec as { command?: string; args?: string[]; env?: Array<{ name: string; value: string }> } | undefined;
    if (!exec?.command) return user;
    const recognised = recogniseExec({ command: exec.command, args: exec.args, env: exec.env }, env);
    if (recognised.kind === "other" || hasBinary(exec.command)) return user;
    if (recognised.kind === "unsupported") {
      problems.set(user.name, `${recognised.reason} (and ${exec.command} is not installed)`);
      return user;
    }
    served.set(user.name, recognised.credential);
    const { exec: _exec, ...rest } = user;
    return { ...rest, authProvider: { name: NATIVE_AUTH_PROVIDER, config: { cloud: recognised.credential.cloud } } };
  });
  if (served.size === 0) return { kubeConfig: input, descriptions: new Map(), problems };
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({ clusters: input.getClusters(), users, contexts: input.getContexts(), currentContext: input.getCurrentContext() });
  const authenticator = new CloudTokenAuthenticator(served);
  kubeConfig.addAuthenticator(authenticator);
  setCredentialRefresh(kubeConfig, () => authenticator.renewAt());
  const descriptions = new Map([...served].map(([name, credential]) => [name, describeCredential(credential)]));
  servedDescriptions.set(kubeConfig, descriptions);
  return { kubeConfig, descriptions, problems };
}
