// FerryMetrics without a cluster: build info, apiserver requests counted with bounded labels, the
// watch gauge as Unix timestamps read from the watches at scrape time, standard default names.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { FerryMetrics } from "../../../src/ops/metrics.js";

const packageVersion = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

test("ferry_build_info carries package.json's version and the running Node.js", async () => {
  const text = await new FerryMetrics({ defaultMetrics: false }).registry.metrics();
  assert.match(text, new RegExp(`^ferry_build_info\\{version="${packageVersion.replace(/\./g, "\\.")}",node="${process.version.replace(/\./g, "\\.")}"\\} 1$`, "m"));
});

test("apiserver requests are counted by verb, group, resource, subresource and code; no namespace or name in a label", async () => {
  const metrics = new FerryMetrics({ defaultMetrics: false });
  metrics.onRequest("GET", "/api/v1/namespaces/team-secret-ns/secrets/db-password", 200);
  metrics.onRequest("GET", "/api/v1/namespaces/team-b/secrets/other", 200);
  metrics.onRequest("GET", "/api/v1/namespaces/team-b/secrets", 200);
  metrics.onRequest("PUT", "/api/v1/namespaces/team-b/configmaps/c", 409);
  metrics.onRequest("PATCH", "/apis/ferry.dev/v1alpha1/namespaces/team-b/distributions/d/status", 200);
  const text = await metrics.registry.metrics();
  assert.match(text, /^ferry_apiserver_requests_total\{verb="GET",group="",resource="secrets",subresource="",code="200"\} 2$/m);
  assert.match(text, /^ferry_apiserver_requests_total\{verb="LIST",group="",resource="secrets",subresource="",code="200"\} 1$/m);
  assert.match(text, /^ferry_apiserver_requests_total\{verb="PUT",group="",resource="configmaps",subresource="",code="409"\} 1$/m);
  assert.match(text, /^ferry_apiserver_requests_total\{verb="PATCH",group="ferry\.dev",resource="distributions",subresource="status",code="200"\} 1$/m);
  for (const leaked of ["team-secret-ns", "db-password", "team-b"]) assert.ok(!text.includes(leaked), `${leaked} is not in a label`);
});

test("the watch gauge is each watch's last activity as a Unix timestamp, read when scraped", async () => {
  const metrics = new FerryMetrics({ defaultMetrics: false });
  const last = Date.now() - 42_000;
  let secondsAgo = () => (Date.now() - last) / 1000;
  metrics.trackWatches(() => [
    { name: "namespaces", secondsSinceActivity: secondsAgo() },
    { name: "not-listed-yet", secondsSinceActivity: Number.POSITIVE_INFINITY },
  ]);
  const read = async () => Number(/^ferry_watch_last_event_timestamp_seconds\{watch="namespaces"\} (\S+)$/m.exec(await metrics.registry.metrics())?.[1]);
  const first = await read();
  assert.ok(Math.abs(first - last / 1000) < 0.01, `${first} is the time of the last activity (${last / 1000}), not an age`);
  assert.ok(!(await metrics.registry.metrics()).includes("not-listed-yet"), "a watch that never listed has no sample");
  // Nothing refreshes it between scrapes, and it still reads the same instant.
  assert.ok(Math.abs((await read()) - first) < 0.01);
  secondsAgo = () => 0;
  assert.ok((await read()) > first + 40, "a newer activity moves it");
  metrics.trackWatches(undefined);
  assert.doesNotMatch(await metrics.registry.metrics(), /^ferry_watch_last_event_timestamp_seconds\{/m, "no watches tracked: no samples");
});

test("default process and Node.js metrics keep their standard names", async () => {
  const text = await new FerryMetrics().registry.metrics();
  for (const name of ["process_resident_memory_bytes", "process_cpu_seconds_total", "nodejs_heap_size_used_bytes", "nodejs_eventloop_lag_p99_seconds"]) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), name);
  }
  assert.doesNotMatch(text, /^# TYPE ferry_(process|nodejs)_/m);
});
