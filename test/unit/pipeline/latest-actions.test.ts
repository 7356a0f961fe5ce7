// The executor's latest actions, by key and by namespace (pipeline/latest-actions.ts): the index
// must always list exactly the keys whose action is in that namespace.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Action } from "../../../src/core/types.js";
import { LatestActions } from "../../../src/pipeline/latest-actions.js";

function action(namespace: string, name: string, type: "create" | "delete"): Action {
  const key = `Secret/${namespace}/${name}`;
  if (type === "delete") return { type, key, kind: "Secret", namespace, name, reason: "RuleOrSourceGone" };
  return { type, key, ruleId: "r", desired: { kind: "Secret", namespace, name, labels: {}, annotations: {}, contentHash: "h" } as never };
}

test("the namespace and name indexes follow every set, delete and replacement (property)", () => {
  const namespace = fc.constantFrom("a", "b", "c");
  const name = fc.constantFrom("x", "y");
  const step = fc.oneof(
    fc.record({ set: fc.tuple(namespace, name, fc.constantFrom("create" as const, "delete" as const)) }),
    fc.record({ remove: fc.tuple(namespace, name) }),
    fc.record({ replace: fc.array(fc.tuple(namespace, name), { maxLength: 4 }) }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
      const latest = new LatestActions();
      const model = new Map<string, Action>();
      for (const s of steps) {
        if ("set" in s) {
          const a = action(...s.set);
          latest.set(a);
          model.set(a.key, a);
        } else if ("remove" in s) {
          latest.delete(`Secret/${s.remove[0]}/${s.remove[1]}`);
          model.delete(`Secret/${s.remove[0]}/${s.remove[1]}`);
        } else {
          const actions = s.replace.map(([n, m]) => action(n, m, "create"));
          latest.replaceAll(actions);
          model.clear();
          for (const a of actions) model.set(a.key, a);
        }
      }
      assert.deepEqual([...latest.keys()].sort(), [...model.keys()].sort());
      for (const ns of ["a", "b", "c"]) assert.deepEqual(latest.keysIn(ns).sort(), [...model.keys()].filter((k) => k.startsWith(`Secret/${ns}/`)).sort());
      for (const name of ["x", "y"]) assert.deepEqual(latest.keysNamed(`Secret/${name}`).sort(), [...model.keys()].filter((k) => k.endsWith(`/${name}`)).sort());
      for (const [key, a] of model) assert.equal(latest.get(key), a);
    }),
  );
});
