// Runs last: every Secret value the run's tests used (recorded by test/support/ferry.ts) is
// looked for, raw and base64-encoded, in Ferry's logs, in every Event and in every status of the
// resources Ferry writes status to. Zero hits.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { adminClient } from "../support/cluster.js";
import { secretValuesPath, testLogPath } from "../support/ferry.js";

const statusPaths = [
  "/apis/ferry.dev/v1alpha1/distributions",
  "/apis/ferry.dev/v1alpha1/clusterdistributions",
  "/apis/ferry.dev/v1alpha1/registrycredentials",
  "/apis/apps.kruise.io/v1alpha1/resourcedistributions",
  "/apis/tenantoperator.stakater.com/v1alpha1/templategroupinstances",
  "/apis/tenantoperator.stakater.com/v1alpha1/templateinstances",
];

/** Which of the values appear (raw or base64) in which haystack. */
export function findLeaks(values: string[], haystacks: Map<string, string>): string[] {
  const hits: string[] = [];
  for (const value of values) {
    const forms = [value, Buffer.from(value).toString("base64")];
    for (const [where, text] of haystacks) {
      if (forms.some((form) => text.includes(form))) hits.push(`${JSON.stringify(value)} in ${where}`);
    }
  }
  return hits;
}

test("the scan finds a value that did leak (it can fail)", () => {
  const hits = findLeaks(["s3cret-canary"], new Map([["a log", `{"msg":"oops ${Buffer.from("s3cret-canary").toString("base64")}"}`]]));
  assert.deepEqual(hits, ['"s3cret-canary" in a log']);
});

test("no Secret value used by the suite appears in a log line, an Event or a status", async () => {
  assert.ok(existsSync(secretValuesPath()), "the suite recorded the Secret values it used");
  // Registry server names (ACR_URL, GCR_URL, DOCKER_SERVER) sit in Secrets as configuration and
  // are logged on purpose (which registry was refreshed); everything else must never appear.
  const registryServer = /^(https?:\/\/)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(\/[\w./-]*)?$/;
  const values = [...new Set(readFileSync(secretValuesPath(), "utf8").trim().split("\n").map((line) => JSON.parse(line) as string))].filter(
    (value) => !registryServer.test(value),
  );
  assert.ok(values.length >= 5, `only ${values.length} values recorded`);
  const kube = await adminClient();
  const haystacks = new Map<string, string>();
  haystacks.set("Ferry's logs", existsSync(testLogPath()) ? readFileSync(testLogPath(), "utf8") : "");
  const events = await kube.get<{ items: Array<{ reason?: string; message?: string; involvedObject: unknown }> }>("/api/v1/events");
  haystacks.set("Events", JSON.stringify(events.items.map((e) => [e.reason, e.message, e.involvedObject])));
  for (const path of statusPaths) {
    const list = await kube.getOptional<{ items: Array<{ status?: unknown }> }>(path);
    haystacks.set(`statuses of ${path}`, JSON.stringify((list?.items ?? []).map((item) => item.status ?? null)));
  }
  assert.ok(haystacks.get("Ferry's logs")!.length > 10_000, "the logs were collected");
  assert.deepEqual(findLeaks(values, haystacks), []);
});
