// `--take-over-unmarked`: any known dialect, namespaced ones included; unknown names are refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { consentedDialects, knownDialects } from "../../../src/cli/dialects.js";

test("--take-over-unmarked takes every known dialect (trimmed, deduplicated, sorted) and refuses unknown names", () => {
  assert.deepEqual(consentedDialects(undefined), []);
  assert.deepEqual(consentedDialects([" stakater", "registry-creds", "stakater", ""]), ["registry-creds", "stakater"]);
  assert.deepEqual(consentedDialects(knownDialects.map((d) => d.name)), knownDialects.map((d) => d.name).sort(), "every dialect, namespaced ones included");
  assert.throws(() => consentedDialects(["stakater", "argo"]), /unknown dialect\(s\) argo/);
});
