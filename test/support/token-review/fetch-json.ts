// GET/POST JSON over http(s) with an explicit CA, for the authenticators' calls to the local cloud stand-ins.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export function requestJson(url: string, options: { ca?: string; headers?: Record<string, string>; method?: string } = {}): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: options.method ?? "GET", headers: options.headers, ...(options.ca ? { ca: options.ca } : {}), timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}
