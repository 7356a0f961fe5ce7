// A tiny loopback-only HTTP (or, given a certificate, HTTPS) server for fake provider endpoints.
// Each server answers at most `maxRequests` requests (then 429), so a runaway refresh loop in a
// test cannot spin forever.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";

/** A serving certificate and key (PEM), e.g. from createControlPlanePki(): valid for 127.0.0.1. */
export interface TlsIdentity {
  certPem: string;
  keyPem: string;
}

export interface FakeServer {
  url: string;
  requests: number;
  stop(): Promise<void>;
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function sendJson(response: ServerResponse, status: number, body: unknown, contentType = "application/json"): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(text) });
  response.end(text);
}

export async function startLoopbackServer(
  handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
  maxRequests = 2_000,
  tls?: TlsIdentity,
): Promise<FakeServer> {
  const state = { requests: 0 };
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    state.requests++;
    if (state.requests > maxRequests) {
      sendJson(response, 429, { message: "fake provider: request budget exhausted" });
      return;
    }
    handler(request, response).catch((error: Error) => {
      if (!response.headersSent) sendJson(response, 500, { message: `fake provider failed: ${error.message}` });
      else response.destroy();
    });
  };
  const server: Server = tls ? createTlsServer({ cert: tls.certPem, key: tls.keyPem }, listener) : createServer(listener);
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
