// A fake Amazon ECR endpoint speaking the real API shape: AWS JSON 1.1, POST / with
// X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken, answering
// {authorizationData: [{authorizationToken: base64("AWS:<password>"), expiresAt: <epoch s>,
// proxyEndpoint}]}. Its credential scope is read so a test can tell which access key and region
// the SDK signed with; given an `authenticate` (the local AWS account of aws-sts.ts), the
// signature and session are verified too and the caller's ARN is recorded.
import { readBody, sendJson, startLoopbackServer, type FakeServer } from "./server.js";
import type { SignedRequest } from "./sigv4-verify.js";

export const ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
const JSON_11 = "application/x-amz-json-1.1";

export interface EcrCall {
  accessKeyId: string;
  /** The signer's ARN, when signatures are verified. */
  caller?: string;
  region: string;
  registryIds: string[];
}

export interface FakeEcr extends FakeServer {
  /** Token lifetime of the next answers, seconds. */
  lifetimeSeconds: number;
  /** Answer with a server error while true. */
  failing: boolean;
  calls: EcrCall[];
  /** Passwords handed out, in order. */
  issued: string[];
  /** The latest password handed out for a registry id in a region. */
  latest(registryId: string, region: string): string | undefined;
}

export function ecrProxyEndpoint(registryId: string, region: string): string {
  return `https://${registryId}.dkr.ecr.${region}.amazonaws.com`;
}

export async function startFakeEcr(
  options: { lifetimeSeconds?: number; defaultAccount?: string; authenticate?: (request: SignedRequest, service: string) => string } = {},
): Promise<FakeEcr> {
  const latest = new Map<string, string>();
  let counter = 0;
  const holder: { server?: FakeServer } = {};
  const fake: FakeEcr = {
    url: "",
    get requests() {
      return holder.server?.requests ?? 0;
    },
    stop: async () => holder.server?.stop(),
    lifetimeSeconds: options.lifetimeSeconds ?? 12 * 3600,
    failing: false,
    calls: [] as EcrCall[],
    issued: [] as string[],
    latest: (registryId: string, region: string) => latest.get(`${registryId}/${region}`),
  };
  const server = await startLoopbackServer(async (request, response) => {
    const body = await readBody(request);
    if (request.method !== "POST" || request.url !== "/" || request.headers["x-amz-target"] !== ECR_TARGET) {
      sendJson(response, 400, { __type: "UnknownOperationException", message: "fake ECR only knows GetAuthorizationToken" }, JSON_11);
      return;
    }
    const authorization = String(request.headers.authorization ?? "");
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/ecr\/aws4_request/.exec(authorization);
    if (!authorization.startsWith("AWS4-HMAC-SHA256 ") || !scope) {
      sendJson(response, 403, { __type: "MissingAuthenticationTokenException", message: "request is not SigV4 signed" }, JSON_11);
      return;
    }
    let caller: string | undefined;
    if (options.authenticate) {
      try {
        caller = options.authenticate({ method: request.method ?? "POST", url: request.url ?? "/", headers: request.headers, body }, "ecr");
      } catch (error) {
        const code = (error as { code?: string }).code ?? "UnrecognizedClientException";
        sendJson(response, 403, { __type: code, message: (error as Error).message }, JSON_11);
        return;
      }
    }
    const input = (body ? JSON.parse(body) : {}) as { registryIds?: string[] };
    const region = scope[2]!;
    const registryIds = input.registryIds && input.registryIds.length > 0 ? input.registryIds : [options.defaultAccount ?? "000000000000"];
    fake.calls.push({ accessKeyId: scope[1]!, region, registryIds, ...(caller ? { caller } : {}) });
    if (fake.failing) {
      sendJson(response, 500, { __type: "ServerException", message: "fake ECR outage" }, JSON_11);
      return;
    }
    const expiresAt = Date.now() / 1000 + fake.lifetimeSeconds;
    const authorizationData = registryIds.map((id) => {
      const password = `ecr-password-${++counter}-${id}-${region}`;
      latest.set(`${id}/${region}`, password);
      fake.issued.push(password);
      return { authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"), expiresAt, proxyEndpoint: ecrProxyEndpoint(id, region) };
    });
    sendJson(response, 200, { authorizationData }, JSON_11);
  });
  holder.server = server;
  fake.url = server.url;
  return fake;
}
