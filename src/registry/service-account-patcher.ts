// ServiceAccount imagePullSecrets patching. In every namespace that holds a Ferry copy of a
// registry credential, the ServiceAccounts the copy names (default: `default`) list it in
// imagePullSecrets, also when they appear after the copy. Ferry remembers which entries it
// added in an annotation on the ServiceAccount, so it never touches an entry a user put there,
// never adds a duplicate, and removes only its own entry when the copy goes (the namespace left
// the selection, was annotated registry-creds/ignore, or the credential was removed).
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "../core/marks.js";
import { KubeClient, isApiError } from "../kube/client.js";
import { Informer, type KubeObject } from "../kube/informer.js";
import { WorkQueue } from "../kube/work-queue.js";
import type { Logger } from "../ops/logger.js";
import { REGISTRY_COPY_LABEL, SERVICE_ACCOUNTS_ANNOTATION } from "./registry-dialect.js";

/** On a ServiceAccount: the imagePullSecrets entries Ferry added (comma list). */
export const OWNED_PULL_SECRETS_ANNOTATION = "ferry.dev/image-pull-secrets";

export interface PullSecretRef {
  name?: string;
  [field: string]: unknown;
}

export interface MergeResult {
  imagePullSecrets: PullSecretRef[];
  /** Entries Ferry owns afterwards (sorted). */
  owned: string[];
  changed: boolean;
}

export function parseOwned(value: string | undefined): string[] {
  return [...new Set((value ?? "").split(",").map((item) => item.trim()).filter((item) => item !== ""))].sort();
}

/**
 * The imagePullSecrets a ServiceAccount should have: every entry that is not Ferry's stays as it
 * is and where it is; Ferry's entries that are no longer wanted go; wanted names that are not
 * listed yet are appended (and become Ferry's). A wanted name the user already listed stays the
 * user's, so it is never removed by Ferry later. Pure.
 */
export function mergeImagePullSecrets(current: readonly PullSecretRef[] | undefined, owned: readonly string[], wanted: readonly string[]): MergeResult {
  const ownedSet = new Set(owned);
  const wantedSet = new Set(wanted);
  const result: PullSecretRef[] = [];
  const listed = new Set<string>();
  const keptOwned = new Set<string>();
  for (const entry of current ?? []) {
    const name = typeof entry.name === "string" ? entry.name : undefined;
    if (name !== undefined && ownedSet.has(name)) {
      // Ferry's entry: keep one, and only while wanted.
      if (!wantedSet.has(name) || listed.has(name)) continue;
      keptOwned.add(name);
    }
    if (name !== undefined) listed.add(name);
    result.push(entry);
  }
  for (const name of [...wantedSet].sort()) {
    if (listed.has(name)) continue;
    result.push({ name });
    listed.add(name);
    keptOwned.add(name);
  }
  const nextOwned = [...keptOwned].sort();
  const before = (current ?? []).map((entry) => JSON.stringify(entry));
  const after = result.map((entry) => JSON.stringify(entry));
  const changed = before.length !== after.length || before.some((entry, index) => entry !== after[index]) || nextOwned.join(",") !== [...new Set(owned)].sort().join(",");
  return { imagePullSecrets: result, owned: nextOwned, changed };
}

interface CopyRecord {
  namespace: string;
  name: string;
  serviceAccounts: string[];
}

interface AccountRecord {
  namespace: string;
  name: string;
  resourceVersion?: string;
  owned: string[];
  imagePullSecrets?: PullSecretRef[];
}

export interface ServiceAccountPatcherOptions {
  client: KubeClient;
  logger: Logger;
  relistIntervalMs?: number;
  silenceTimeoutMs?: number;
}

export class ServiceAccountPatcher {
  readonly copies: Informer<CopyRecord>;
  readonly accounts: Informer<AccountRecord>;
  private readonly byNamespace = new Map<string, Map<string, string[]>>();
  private readonly queue: WorkQueue;
  private readonly log: Logger;
  private stopped = false;
  patches = 0;

  constructor(private readonly options: ServiceAccountPatcherOptions) {
    this.log = options.logger;
    const watch = { client: options.client, relistIntervalMs: options.relistIntervalMs, silenceTimeoutMs: options.silenceTimeoutMs };
    this.copies = new Informer<CopyRecord>({
      ...watch,
      name: "registry-copies",
      path: "/api/v1/secrets",
      metadataOnly: true,
      // Copies from this cluster and those a hub pushed in: a copy that is here is pulled from here.
      labelSelector: `${REGISTRY_COPY_LABEL}=true,${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
      transform: (object) => ({
        namespace: object.metadata.namespace ?? "",
        name: object.metadata.name,
        serviceAccounts: parseOwned(object.metadata.annotations?.[SERVICE_ACCOUNTS_ANNOTATION]),
      }),
      onChange: (_event, _key, current, previous) => {
        if (previous) this.unindex(previous);
        if (current) this.index(current);
        for (const record of [previous, current]) if (record) for (const account of record.serviceAccounts) this.enqueue(record.namespace, account);
      },
      onSynced: () => this.resyncAll(),
      onRestart: (reason) => this.log.warn({ watch: "registry-copies", reason }, "watch restarting"),
    });
    this.accounts = new Informer<AccountRecord>({
      ...watch,
      name: "serviceaccounts",
      path: "/api/v1/serviceaccounts",
      transform: (object) => ({
        namespace: object.metadata.namespace ?? "",
        name: object.metadata.name,
        resourceVersion: object.metadata.resourceVersion,
        owned: parseOwned(object.metadata.annotations?.[OWNED_PULL_SECRETS_ANNOTATION]),
        imagePullSecrets: object.imagePullSecrets as PullSecretRef[] | undefined,
      }),
      onChange: (_event, _key, current) => {
        if (current && (current.owned.length > 0 || this.byNamespace.has(current.namespace))) this.enqueue(current.namespace, current.name);
      },
      onSynced: () => this.resyncAll(),
      onRestart: (reason) => this.log.warn({ watch: "serviceaccounts", reason }, "watch restarting"),
    });
    this.queue = new WorkQueue({
      concurrency: 4,
      handler: (key) => this.reconcile(key),
      baseBackoffMs: 200,
      maxBackoffMs: 30_000,
      onError: (key, error, failures) => {
        if (failures === 1 || failures % 10 === 0) this.log.warn({ serviceAccount: key, failures, err: (error as Error).message }, "could not patch ServiceAccount");
      },
    });
  }

  start(): void {
    this.copies.start();
    this.accounts.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.stop();
    await Promise.all([this.copies.stop(), this.accounts.stop()]);
  }

  hasSynced(): boolean {
    return this.copies.hasSynced() && this.accounts.hasSynced();
  }

  isHealthy(): boolean {
    return this.copies.isHealthy() && this.accounts.isHealthy();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** The copies Ferry wants listed in one ServiceAccount (sorted). */
  wanted(namespace: string, account: string): string[] {
    const copies = this.byNamespace.get(namespace);
    if (!copies) return [];
    return [...copies.entries()].filter(([, accounts]) => accounts.includes(account)).map(([name]) => name).sort();
  }

  private index(record: CopyRecord): void {
    let copies = this.byNamespace.get(record.namespace);
    if (!copies) this.byNamespace.set(record.namespace, (copies = new Map()));
    copies.set(record.name, record.serviceAccounts);
  }

  private unindex(record: CopyRecord): void {
    const copies = this.byNamespace.get(record.namespace);
    copies?.delete(record.name);
    if (copies && copies.size === 0) this.byNamespace.delete(record.namespace);
  }

  private enqueue(namespace: string, account: string): void {
    if (!this.stopped && this.hasSynced()) this.queue.add(`${namespace}/${account}`);
  }

  private resyncAll(): void {
    if (!this.hasSynced()) return;
    for (const account of this.accounts.store.values()) {
      if (account.owned.length > 0 || this.byNamespace.has(account.namespace)) this.enqueue(account.namespace, account.name);
    }
  }

  private async reconcile(key: string): Promise<void> {
    const account = this.accounts.store.get(key);
    if (!account) return; // not there (yet): its ADDED event brings it back
    const result = mergeImagePullSecrets(account.imagePullSecrets, account.owned, this.wanted(account.namespace, account.name));
    if (!result.changed) return;
    const path = `/api/v1/namespaces/${account.namespace}/serviceaccounts/${encodeURIComponent(account.name)}`;
    const patch = {
      metadata: {
        // Precondition: a concurrent edit makes this a 409, and the retry merges into the new list.
        resourceVersion: account.resourceVersion,
        annotations: { [OWNED_PULL_SECRETS_ANNOTATION]: result.owned.length > 0 ? result.owned.join(",") : null },
      },
      imagePullSecrets: result.imagePullSecrets.length > 0 ? result.imagePullSecrets : null,
    };
    try {
      const updated = await this.options.client.request<KubeObject>("PATCH", path, { body: patch, contentType: "application/merge-patch+json" });
      this.patches++;
      this.accounts.recordWrite(updated, account.resourceVersion);
      this.log.info({ namespace: account.namespace, serviceAccount: account.name, imagePullSecrets: result.owned }, "patched ServiceAccount imagePullSecrets");
    } catch (error) {
      if (isApiError(error, 404)) return;
      throw error;
    }
  }
}
