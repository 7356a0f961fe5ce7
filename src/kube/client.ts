// A thin HTTP client for the Kubernetes API. @kubernetes/client-node loads the kubeconfig and
// resolves authentication (credentials.ts keeps it current); this class owns the transport: one
// keep-alive connection pool (transport.ts, through the cluster's proxy-url if it has one), a
// client-side rate limit, metadata-only Accept headers, streaming watches and errors that never
// carry request bodies. Every request says who sends it (User-Agent `ferry/<version>`) and every
// write names Ferry as its field manager, so managedFields and audit logs attribute Ferry's writes.
import { KubeConfig } from "./kube-config.js";
import { request as httpsRequest } from "node:https";
import { request as httpRequest, type Agent, type IncomingMessage } from "node:http";
import { buildInfo } from "../ops/build-info.js";
import { CredentialSource } from "./credentials.js";
import { redact } from "../core/redact.js";
import { requestTarget, type Query } from "./request-target.js";
import { TokenBucket } from "./token-bucket.js";
import { createTransport, retireTransport, type TlsMaterial } from "./transport.js";

export const PARTIAL_OBJECT_METADATA_LIST =
  "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
export const PARTIAL_OBJECT_METADATA = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

/**
 * The apiserver's refusal to create anything in a namespace that is being deleted (its
 * NamespaceLifecycle admission: 403, "unable to create new content in namespace X because it is
 * being terminated").
 */
export function isNamespaceTerminatingError(error: unknown): error is ApiError {
  return isApiError(error, 403) && /because it is being terminated/.test(error.message);
}

export interface KubeClientOptions {
  /** Client-side request rate limit (requests per second) for non-watch requests; 0 or unset: none, as `ferry run` ships (--concurrency and the apiserver bound the load). */
  qps?: number;
  burst?: number;
  /** Upper bound of parallel connections to the apiserver. */
  maxSockets?: number;
  /** Called once per request, e.g. to count requests by verb in metrics. */
  onRequest?: (method: string, path: string, status: number) => void;
}

export interface RequestSpec {
  /** For POST, PUT and PATCH, `fieldManager` defaults to {@link FIELD_MANAGER}. */
  query?: Query;
  body?: unknown;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Told the size of a successful response's body in bytes (list paging sizes its pages by it). */
  responseBytes?: (bytes: number) => void;
}

/** The field manager of Ferry's writes, unless a request names its own. */
export const FIELD_MANAGER = "ferry";

/** `ferry/<version> (node <version>; <os>/<arch>)`: apiserver audit logs and metrics name Ferry by it. */
export function userAgent(): string {
  const { version, node } = buildInfo();
  return `ferry/${version} (node ${node}; ${process.platform}/${process.arch})`;
}

const writeMethods = new Set(["POST", "PUT", "PATCH"]);

/** Keeps only what an operator may see of an apiserver error: no request body, bounded length. */
const sanitizeMessage = (message: string): string => redact(message, { maxLength: 400 });

export class KubeClient {
  readonly server: URL;
  private agent!: Agent;
  private credentials!: CredentialSource;
  private readonly limiter: TokenBucket;
  private readonly userAgent = userAgent();
  /** Responses by HTTP status (0 = connection error): how often the apiserver shed load, etc. */
  readonly responseCounts = new Map<number, number>();

  private constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly options: KubeClientOptions,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    this.server = new URL(cluster.server);
    this.limiter = new TokenBucket(options.qps ?? 0, options.burst ?? 400);
  }

  static async create(kubeConfig: KubeConfig, options: KubeClientOptions = {}): Promise<KubeClient> {
    const client = new KubeClient(kubeConfig, options);
    client.credentials = await CredentialSource.create(kubeConfig, (tls) => client.replaceTransport(tls));
    client.agent = client.newTransport((await client.credentials.current()).tls);
    return client;
  }

  static async fromFile(path: string, options: KubeClientOptions = {}): Promise<KubeClient> {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(path);
    return KubeClient.create(kubeConfig, options);
  }

  get config(): KubeConfig {
    return this.kubeConfig;
  }

  /** How often the kubeconfig's exec credential plugin ran (0 without one). */
  get execPluginRuns(): number {
    return this.credentials.execRuns;
  }

  private newTransport(tls: TlsMaterial): Agent {
    const proxyUrl = this.kubeConfig.getCurrentCluster()?.proxyUrl;
    return createTransport({ server: this.server, tls, proxyUrl, maxSockets: this.options.maxSockets ?? 64 });
  }

  /** A new client certificate: new requests open new TLS connections, the old pool drains. */
  private replaceTransport(tls: TlsMaterial): void {
    const old = this.agent;
    this.agent = this.newTransport(tls);
    retireTransport(old);
  }

  private target(method: string, path: string, query?: RequestSpec["query"]): string {
    const all = writeMethods.has(method) && query?.fieldManager === undefined ? { ...query, fieldManager: FIELD_MANAGER } : query;
    return requestTarget(this.server.pathname, path, all);
  }

  /** Sends a request and resolves with the raw response (caller consumes the body). */
  private async send(method: string, path: string, spec: RequestSpec, limited: boolean): Promise<IncomingMessage> {
    if (limited) await this.limiter.take();
    const target = this.target(method, path, spec.query);
    const credentials = await this.credentials.current();
    const headers: Record<string, string> = { ...credentials.headers, Accept: spec.accept ?? "application/json", "User-Agent": this.userAgent };
    let payload: Buffer | undefined;
    if (spec.body !== undefined) {
      payload = Buffer.from(typeof spec.body === "string" ? spec.body : JSON.stringify(spec.body));
      headers["Content-Type"] = spec.contentType ?? "application/json";
      headers["Content-Length"] = String(payload.length);
    }
    const doRequest = this.server.protocol === "https:" ? httpsRequest : httpRequest;
    const { hostname, port } = this.server;
    return new Promise((resolve, reject) => {
      const options = { protocol: this.server.protocol, hostname: hostname.startsWith("[") ? hostname.slice(1, -1) : hostname, port, path: target, method, headers, agent: this.agent, signal: spec.signal };
      const req = doRequest(options, (response) => {
        if (response.statusCode === 401) this.credentials.refused(credentials.generation);
        resolve(response);
      });
      if (spec.timeoutMs) req.setTimeout(spec.timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on("error", (error) => reject(new ApiError(0, "ConnectionError", sanitizeMessage(`${method} ${path}: ${error.message}`))));
      req.end(payload);
    });
  }

  /**
   * A JSON request. A 429 (the apiserver shedding load: nothing was done) is retried after its
   * Retry-After, like client-go does, up to 5 times; other errors are the caller's to handle.
   */
  async request<T = unknown>(method: string, path: string, spec: RequestSpec = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, path, spec);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 429 || attempt >= 5 || spec.signal?.aborted) throw error;
        const seconds = Math.min(Math.max(error.retryAfterSeconds ?? 1, 0.1), 10);
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000 * (0.8 + Math.random() * 0.4)));
      }
    }
  }

  private async requestOnce<T>(method: string, path: string, spec: RequestSpec): Promise<T> {
    const response = await this.send(method, path, { timeoutMs: 60_000, ...spec }, true);
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const text = body.toString("utf8");
    const status = response.statusCode ?? 0;
    this.responseCounts.set(status, (this.responseCounts.get(status) ?? 0) + 1);
    this.options.onRequest?.(method, path, status);
    if (status >= 200 && status < 300) {
      spec.responseBytes?.(body.length);
      return (text ? JSON.parse(text) : undefined) as T;
    }
    let reason = "Unknown";
    let message = `${method} ${path}: HTTP ${status}`;
    try {
      const body = JSON.parse(text) as { reason?: string; message?: string };
      reason = body.reason ?? reason;
      if (body.message) message = `${method} ${path}: ${body.message}`;
    } catch {
      // not a Status object
    }
    const retryAfter = Number(response.headers["retry-after"]);
    throw new ApiError(status, reason, sanitizeMessage(message), Number.isFinite(retryAfter) ? retryAfter : undefined);
  }

  get<T = unknown>(path: string, spec: RequestSpec = {}): Promise<T> {
    return this.request<T>("GET", path, spec);
  }

  /** GET that resolves undefined on 404. */
  async getOptional<T = unknown>(path: string, spec: RequestSpec = {}): Promise<T | undefined> {
    try {
      return await this.get<T>(path, spec);
    } catch (error) {
      if (isApiError(error, 404)) return undefined;
      throw error;
    }
  }

  /**
   * Opens a watch stream and calls onEvent for each JSON line. Resolves when the server ends the
   * stream; rejects on transport errors or a non-200 answer (a 429's Retry-After in the error, for
   * the caller's backoff). Not rate limited: one long request.
   */
  async stream(path: string, spec: RequestSpec, onEvent: (event: unknown) => void, onOpen?: () => void): Promise<void> {
    const response = await this.send("GET", path, spec, false);
    const status = response.statusCode ?? 0;
    if (status !== 200) {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      let reason = "Unknown";
      let message = `watch ${path}: HTTP ${status}`;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { reason?: string; message?: string };
        reason = body.reason ?? reason;
        message = `watch ${path}: ${body.message ?? message}`;
      } catch {
        // not a Status object
      }
      const retryAfter = Number(response.headers["retry-after"]);
      throw new ApiError(status, reason, sanitizeMessage(message), Number.isFinite(retryAfter) ? retryAfter : undefined);
    }
    onOpen?.();
    let buffered = "";
    response.setEncoding("utf8");
    for await (const chunk of response) {
      buffered += chunk as string;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) onEvent(JSON.parse(line));
      }
    }
  }

  close(): void {
    this.credentials.close();
    this.agent.destroy();
  }
}
