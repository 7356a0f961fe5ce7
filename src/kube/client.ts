// A thin HTTP client for the Kubernetes API. @kubernetes/client-node loads the kubeconfig and
// resolves authentication (client certificates, tokens, exec plugins, in-cluster config); this
// class owns the transport: one keep-alive connection pool, a client-side rate limit, metadata-
// only Accept headers, streaming watches and errors that never carry request bodies.
import { KubeConfig } from "@kubernetes/client-node";
import { Agent, request as httpsRequest, type RequestOptions } from "node:https";
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from "node:http";
import { redact } from "../core/redact.js";
import { TokenBucket } from "./token-bucket.js";

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

export interface KubeClientOptions {
  /** Client-side request rate limit (requests per second) for non-watch requests. */
  qps?: number;
  burst?: number;
  /** Upper bound of parallel connections to the apiserver. */
  maxSockets?: number;
  /** Called once per request, e.g. to count requests by verb in metrics. */
  onRequest?: (method: string, path: string, status: number) => void;
}

export interface RequestSpec {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Keeps only what an operator may see of an apiserver error: no request body, bounded length. */
const sanitizeMessage = (message: string): string => redact(message, { maxLength: 400 });

export class KubeClient {
  readonly server: URL;
  private readonly agent: Agent | HttpAgent;
  private readonly limiter: TokenBucket;
  private headers: Record<string, string> = {};
  /** Responses by HTTP status (0 = connection error): how often the apiserver shed load, etc. */
  readonly responseCounts = new Map<number, number>();
  private headersFetchedAt = 0;

  private constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly tls: Pick<RequestOptions, "ca" | "cert" | "key" | "rejectUnauthorized" | "servername">,
    private readonly options: KubeClientOptions,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    this.server = new URL(cluster.server);
    const maxSockets = options.maxSockets ?? 64;
    this.agent =
      this.server.protocol === "https:"
        ? new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, ...tls })
        : new HttpAgent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
    this.limiter = new TokenBucket(options.qps ?? 200, options.burst ?? 400);
  }

  static async create(kubeConfig: KubeConfig, options: KubeClientOptions = {}): Promise<KubeClient> {
    const probe: RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(probe);
    const client = new KubeClient(
      kubeConfig,
      { ca: probe.ca, cert: probe.cert, key: probe.key, rejectUnauthorized: probe.rejectUnauthorized, servername: probe.servername },
      options,
    );
    await client.refreshHeaders();
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

  /** Re-reads bearer tokens (projected ServiceAccount tokens rotate; exec plugins expire). */
  private async refreshHeaders(): Promise<void> {
    const opts: RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(opts.headers ?? {})) {
      if (typeof value === "string" || typeof value === "number") headers[key] = String(value);
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
    this.headers = headers;
    this.headersFetchedAt = Date.now();
  }

  private async currentHeaders(): Promise<Record<string, string>> {
    if (Date.now() - this.headersFetchedAt > 60_000) await this.refreshHeaders();
    return this.headers;
  }

  private url(path: string, query?: RequestSpec["query"]): URL {
    const url = new URL(path, this.server);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Sends a request and resolves with the raw response (caller consumes the body). */
  private async send(method: string, path: string, spec: RequestSpec, limited: boolean): Promise<IncomingMessage> {
    if (limited) await this.limiter.take();
    const url = this.url(path, spec.query);
    const headers: Record<string, string> = { ...(await this.currentHeaders()), Accept: spec.accept ?? "application/json" };
    let payload: Buffer | undefined;
    if (spec.body !== undefined) {
      payload = Buffer.from(typeof spec.body === "string" ? spec.body : JSON.stringify(spec.body));
      headers["Content-Type"] = spec.contentType ?? "application/json";
      headers["Content-Length"] = String(payload.length);
    }
    const doRequest = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = doRequest(url, { method, headers, agent: this.agent, signal: spec.signal }, resolve);
      if (spec.timeoutMs) req.setTimeout(spec.timeoutMs, () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
      req.on("error", (error) => reject(new ApiError(0, "ConnectionError", sanitizeMessage(`${method} ${url.pathname}: ${error.message}`))));
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
    const text = Buffer.concat(chunks).toString("utf8");
    const status = response.statusCode ?? 0;
    this.responseCounts.set(status, (this.responseCounts.get(status) ?? 0) + 1);
    this.options.onRequest?.(method, path, status);
    if (status >= 200 && status < 300) return (text ? JSON.parse(text) : undefined) as T;
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
   * stream; rejects on transport errors or a non-200 answer. Not rate limited: one long request.
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
      throw new ApiError(status, reason, sanitizeMessage(message));
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
    this.agent.destroy();
  }
}
