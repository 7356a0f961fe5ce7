// Takeover at cutover (DESIGN.md invariant 2's one exception): a rule takes over an unmanaged
// object only when its tool's marks prove it a copy of the rule's own source, when `adopt` finds
// any known tool's proof, when `overwrite` is allowed, or with consent where the tool leaves no
// marks. The objects are laid down as each tool writes them (/work/notes/peer-marks.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { objectKey, plan, type PlanInput } from "../../../src/core/plan.js";
import { MANAGED_BY_LABEL, TAKEN_OVER_ANNOTATION } from "../../../src/core/marks.js";
import type { ObservedObject, Rule, SourceObject } from "../../../src/core/types.js";
import { builtInDialects } from "../../../src/dialects/all.js";
import { parseResource, parseSource } from "../../../src/dialects/parse.js";
import { apply, knownCopyMarks, ns, policy, rule, secret, world } from "../../support/plan-fixtures.js";
import { context, source as meta } from "../dialects/helpers.js";

const dialect = (name: string) => builtInDialects.find((d) => d.name === name)!;
const R = "replicator.v1.mittwald.de";
const namespaces = [ns("src"), ns("a"), ns("b"), ns("other-src"), ns("ferry-system")];

function dialectRule(name: string, kind: "Secret" | "ConfigMap", namespace: string, sourceName: string, annotations: Record<string, string>, labels: Record<string, string> = {}): Rule {
  const rules = parseSource(dialect(name), { ...meta(kind, namespace, sourceName, annotations), labels }, context()).rules;
  assert.equal(rules.length, 1, `${name} yields one rule`);
  return rules[0]!;
}

const db = secret("src", "db", { password: "djE=", username: "YWRtaW4=" }, { uid: "uid-db", resourceVersion: "234", labels: { team: "platform" } });
const object = (namespace: string, name: string, labels: Record<string, string>, annotations: Record<string, string>, extra: Partial<ObservedObject> = {}): ObservedObject => ({
  kind: "Secret",
  namespace,
  name,
  labels,
  annotations,
  resourceVersion: "300",
  uid: `uid-${namespace}-${name}`,
  ...extra,
});

function input(rules: Rule[], observed: ObservedObject[], extra: Partial<PlanInput> = {}, sources: SourceObject[] = [db]): PlanInput {
  return { ...world({ rules, namespaces, sources, observed }), ...extra };
}

const summary = (result: ReturnType<typeof plan>) =>
  result.actions.map((a) => (a.type === "delete" ? `delete ${a.key}` : `${a.type} ${a.key}${a.type !== "create" && a.takeover ? ` takeover:${a.takeover.tool}/${a.takeover.evidence}` : ""}`));
const outcome = (result: ReturnType<typeof plan>, namespace: string) => result.reports[0]!.outcomes.find((o) => o.namespace === namespace);

// kubernetes-replicator v2.12.4 push copy: the source's name, type, data and labels, and exactly its three annotations.
const replicatorCopy = (namespace: string, fromVersion = "234", keys = "password,username") =>
  object(namespace, "db", { team: "platform" }, { [`${R}/replicated-at`]: "2026-11-30T07:56:55Z", [`${R}/replicated-from-version`]: fromVersion, [`${R}/replicated-keys`]: keys });

test("replicator: a push copy is read for its data keys, then taken over under the default policy", () => {
  const push = dialectRule("replicator", "Secret", "src", "db", { [`${R}/replicate-to`]: "a,b" });
  assert.equal(push.scope, "tenant");
  const copy = replicatorCopy("a");
  const first = plan(input([push], [copy], { dataKeys: new Map() }));
  assert.deepEqual(first.dataKeysWanted, ["Secret/a/db"]);
  assert.equal(outcome(first, "a")?.reason, "ReadingTarget");
  assert.deepEqual(summary(first), ["create Secret/b/db"], "nothing written at a until it is read");

  const read = new Map([["Secret/a/db", { resourceVersion: "300", keys: ["password", "username"] }]]);
  const second = plan(input([push], [copy], { dataKeys: read }));
  assert.deepEqual(summary(second).sort(), ["create Secret/b/db", "update Secret/a/db takeover:kubernetes-replicator/marks"]);
  const takeover = second.actions.find((a) => a.key === "Secret/a/db")!;
  assert.ok(takeover.type === "update");
  assert.equal(takeover.desired.annotations[TAKEN_OVER_ANNOTATION], "kubernetes-replicator");
  assert.equal(takeover.desired.annotations[`${R}/replicated-keys`], undefined, "the tool's marks are gone");
  assert.equal(takeover.resourceVersion, "300", "conditioned on the version that was judged");
  assert.equal(second.reports[0]!.takenOver, 1);
  assert.deepEqual(second.dataKeysWanted, ["Secret/a/db"], "keys read stay wanted while the object is judged, or the reader forgets them");

  const converged = apply(input([push], [copy], { dataKeys: read }), second.actions);
  const again = plan(converged);
  assert.deepEqual(again.actions, [], "a fixed point: the taken-over copy keeps its mark");
  assert.deepEqual(again.dataKeysWanted, [], "a copy of Ferry's needs no reading");
  assert.equal(again.reports[0]!.takenOver, 1, "still counted after the takeover");
  assert.equal(again.reports[0]!.synced, 2);

  const stale = plan(input([push], [copy], { dataKeys: new Map([["Secret/a/db", { resourceVersion: "299", keys: ["password", "username"] }]]) }));
  assert.deepEqual(stale.dataKeysWanted, ["Secret/a/db"], "keys read at another version prove nothing");
  const member = plan(input([push], [copy]));
  assert.equal(outcome(member, "a")?.state, "Conflict", "a planner that reads nothing never takes it over");
});

test("replicator: objects it merged into, released objects and unmarked objects stay conflicts", () => {
  const push = dialectRule("replicator", "Secret", "src", "db", { [`${R}/replicate-to`]: "a,b" });
  const merged = replicatorCopy("a");
  const released = object("b", "db", {}, { [`${R}/replicated-at`]: "x", [`${R}/replicated-from-version`]: "234" });
  const read = new Map([["Secret/a/db", { resourceVersion: "300", keys: ["own-key", "password", "username"] }]]);
  const result = plan(input([push], [merged, released], { dataKeys: read }));
  assert.deepEqual(result.actions, []);
  assert.match(outcome(result, "a")!.message, /other keys than/);
  assert.match(outcome(result, "b")!.message, /replicated-keys is missing/);
  const unmarked = plan(input([push], [object("a", "db", {}, {}), object("b", "db", { owner: "x" }, {})], { dataKeys: new Map() }));
  assert.deepEqual(unmarked.actions, []);
  assert.match(outcome(unmarked, "a")!.message, /carries no kubernetes-replicator marks/);
});

test("replicator: two sources of one name replicating into a namespace: only the exact source version proves the copy", () => {
  const first = { ...dialectRule("replicator", "Secret", "src", "db", { [`${R}/replicate-to`]: "a" }), createdAt: "2026-01-01T00:00:00Z" };
  const second = { ...dialectRule("replicator", "Secret", "other-src", "db", { [`${R}/replicate-to`]: "a" }), createdAt: "2026-02-01T00:00:00Z" };
  const other = secret("other-src", "db", { password: "djI=", username: "YWRtaW4=" }, { uid: "uid-other", resourceVersion: "240" });
  const read = new Map([["Secret/a/db", { resourceVersion: "300", keys: ["password", "username"] }]]);
  const ambiguous = plan(input([first, second], [replicatorCopy("a", "240")], { dataKeys: read }, [db, other]));
  assert.deepEqual(ambiguous.actions, [], "written from the other source's version: the oldest rule may not take it");
  assert.match(outcome(ambiguous, "a")!.message, /several sources of that name/);
  const exact = plan(input([first, second], [replicatorCopy("a", "234")], { dataKeys: read }, [db, other]));
  assert.deepEqual(summary(exact), ["update Secret/a/db takeover:kubernetes-replicator/marks"], "written from this very source version");
});

test("Reflector: an automatic mirror of this source is taken over; a user's mirror and another source's are not", () => {
  const F = "reflector.v1.k8s.emberstack.com";
  const push = dialectRule("reflector", "Secret", "src", "db", { [`${F}/reflection-allowed`]: "true", [`${F}/reflection-auto-enabled`]: "true" });
  const mirror = (namespace: string, reflects: string, auto: string) =>
    object(namespace, "db", {}, { [`${F}/reflects`]: reflects, [`${F}/auto-reflects`]: auto, [`${F}/reflected-version`]: "234", [`${F}/reflected-at`]: "2026-08-04T21:27:29.1234567+00:00" });
  const result = plan(input([push], [mirror("a", "src/db", "True"), mirror("b", "other-src/db", "True")]));
  assert.deepEqual(summary(result).filter((line) => line.includes("Secret/a/") || line.includes("Secret/b/")), ["update Secret/a/db takeover:Reflector/marks"]);
  assert.match(outcome(result, "b")!.message, /name other-src\/db, not src\/db/);
  const direct = plan(input([push], [mirror("a", "src/db", "False")]));
  assert.match(outcome(direct, "a")!.message, /asked to be filled/);
});

test("config-syncer: a copy whose origin is this source (same uid) is taken over; a self-marked source or an earlier source's copy is not", () => {
  const K = "kubed.appscode.com";
  const sync = dialectRule("kubed", "Secret", "src", "db", { [`${K}/sync`]: "" });
  const copy = (namespace: string, origin: Record<string, string>) =>
    object(namespace, "db", { [`${K}/origin.name`]: origin.name!, [`${K}/origin.namespace`]: origin.namespace!, [`${K}/origin.cluster`]: "unicorn" }, { [`${K}/origin`]: JSON.stringify(origin) });
  const result = plan(
    input([sync], [copy("a", { namespace: "src", name: "db", uid: "uid-db", resourceVersion: "231" }), copy("b", { namespace: "src", name: "db", uid: "uid-earlier", resourceVersion: "9" })]),
  );
  const touched = summary(result).filter((line) => !line.startsWith("create"));
  assert.deepEqual(touched, ["update Secret/a/db takeover:config-syncer/marks"]);
  assert.match(outcome(result, "b")!.message, /another object of that name/);
  const selfMarked = plan(input([sync], [copy("a", { namespace: "a", name: "db", uid: "uid-a-db" })]));
  assert.match(outcome(selfMarked, "a")!.message, /marks its sources too/);
});

test("config-syncer marks on a source are not handed on to Ferry's copies", () => {
  const K = "kubed.appscode.com";
  const marked = secret("src", "db", { password: "djE=" }, {
    uid: "uid-db",
    labels: { [`${K}/origin.name`]: "db", [`${K}/origin.namespace`]: "src", [`${K}/origin.cluster`]: "unicorn", team: "platform" },
    annotations: { [`${K}/origin`]: '{"namespace":"src","name":"db","uid":"uid-db"}', [`${K}/sync`]: "" },
  });
  const sync = dialectRule("replicator", "Secret", "src", "db", { [`${R}/replicate-to`]: "a" });
  const created = plan(input([sync], [], {}, [marked])).actions[0]!;
  assert.ok(created.type === "create");
  assert.deepEqual(Object.keys(created.desired.labels).filter((key) => key.startsWith(K)), []);
  assert.equal(created.desired.annotations[`${K}/origin`], undefined);
  assert.equal(created.desired.labels.team, "platform");
});

test("whisperer: a mirror labelled with this source is taken over", () => {
  const W = "secret-syncer.jeffl.es";
  const sync = dialectRule("whisperer", "Secret", "src", "db", { [`${W}/namespaces`]: "a,b" }, { [`${W}/sync`]: "true" });
  const mirror = (namespace: string, of: string) => object(namespace, "db", { [`${W}/mirror`]: "true", [`${W}/name`]: "db", [`${W}/namespace`]: of, team: "platform" }, {});
  const result = plan(input([sync], [mirror("a", "src"), mirror("b", "other-src")]));
  assert.deepEqual(summary(result), ["update Secret/a/db takeover:whisperer.rs/marks"]);
  assert.equal(outcome(result, "b")?.state, "Conflict");
});

test("OpenKruise ResourceDistribution: a copy it controls is taken over (and loses the owner reference); another RD's is not", () => {
  const rd = {
    apiVersion: "apps.kruise.io/v1alpha1",
    kind: "ResourceDistribution",
    metadata: { name: "game", uid: "uid-rd", labels: {}, annotations: {} },
    spec: { resource: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "game-demo" }, data: { lives: "3" } }, targets: { includedNamespaces: { list: [{ name: "a" }, { name: "b" }] } } },
  };
  const [distribution] = parseResource(dialect("kruise-rd"), rd, context()).rules;
  const copy = (namespace: string, uid: string): ObservedObject => ({
    ...object(namespace, "game-demo", {}, { "kruise.io/resourcedistribution.resource.from": "game", "kruise.io/resourcedistribution.resource.hashcode": "abc" }),
    kind: "ConfigMap",
    owners: [{ apiVersion: "apps.kruise.io/v1alpha1", kind: "ResourceDistribution", name: "game", uid, controller: true }],
  });
  const result = plan(input([distribution!], [copy("a", "uid-rd"), copy("b", "uid-earlier-rd")]));
  assert.deepEqual(summary(result), ["update ConfigMap/a/game-demo takeover:OpenKruise/marks"]);
  assert.match(outcome(result, "b")!.message, /another ResourceDistribution/);
});

test("tools that leave no marks: a conflict without consent, taken over with --take-over-unmarked, never over another tool's marks", () => {
  const mwsync = dialectRule("mwsync", "Secret", "ferry-system", "regcred", { "mw-sync": "yes" });
  const source = secret("ferry-system", "regcred", { ".dockerconfigjson": "e30=" }, { uid: "uid-regcred", type: "kubernetes.io/dockerconfigjson" });
  const plain = object("a", "regcred", {}, {});
  const otherTools = object("b", "regcred", {}, { [`${R}/replicated-at`]: "x" });
  const refused = plan(input([mwsync], [plain, otherTools], {}, [source]));
  assert.deepEqual(summary(refused).filter((line) => !line.startsWith("create")), []);
  assert.match(outcome(refused, "a")!.message, /secret-replicator-eks leaves no marks .* --take-over-unmarked=mwsync/);
  const consented = plan(input([mwsync], [plain, otherTools], { policy: { ...policy(), takeOverUnmarked: ["mwsync"] } }, [source]));
  assert.deepEqual(summary(consented).filter((line) => !line.startsWith("create")), ["update Secret/a/regcred takeover:secret-replicator-eks/consent"]);
  assert.equal(outcome(consented, "b")?.state, "Conflict", "consent covers objects with no marks only");
  const otherDialect = plan(input([mwsync], [plain], { policy: { ...policy(), takeOverUnmarked: ["stakater"] } }, [source]));
  assert.equal(outcome(otherDialect, "a")?.state, "Conflict", "consent is per dialect");
});

test("native: adopt takes over any known tool's proven copy of its own source, under every policy; overwrite stays the administrators'", () => {
  const F = "reflector.v1.k8s.emberstack.com";
  const tenant = (conflict: Rule["conflict"]) =>
    rule("native/Distribution/src/db", "src", "db", { namespaces: ["a", "b"] }, { conflict, scope: "tenant", origin: { dialect: "native", apiVersion: "ferry.dev/v1alpha1", kind: "Distribution", namespace: "src", name: "db" } });
  const reflected = object("a", "db", {}, { [`${F}/reflects`]: "src/db", [`${F}/auto-reflects`]: "True" });
  const elsewhere = object("b", "db", {}, { [`${F}/reflects`]: "other-src/db", [`${F}/auto-reflects`]: "True" });
  for (const mode of ["guarded", "strict", "open"] as const) {
    const adopted = plan(input([tenant("adopt")], [reflected, elsewhere], { policy: policy(mode), namespaces: new Map([...namespaces.map((n) => [n.name, { ...n, labels: { "ferry.dev/accept": "all" } }] as const)]) }));
    assert.deepEqual(summary(adopted), ["update Secret/a/db takeover:Reflector/marks"], `adopt under ${mode}`);
  }
  const userMirror = object("a", "db", {}, { [`${F}/reflects`]: "src/db", [`${F}/auto-reflects`]: "False" });
  assert.deepEqual(summary(plan(input([tenant("adopt")], [userMirror]))), ["update Secret/a/db takeover:Reflector/marks", "create Secret/b/db"], "a user's mirror of this very source, adopted");
  const overwrite = plan(input([tenant("overwrite")], [reflected]));
  assert.deepEqual(summary(overwrite), ["create Secret/b/db"]);
  assert.match(outcome(overwrite, "a")!.message, /allows overwrite only for administrator rules/);
  const skip = plan(input([tenant("skip")], [reflected]));
  assert.equal(outcome(skip, "a")?.state, "Conflict", "skip judges no tool's marks: a native rule has no tool");
});

test("a dialect's rule judges its own tool's marks only", () => {
  const K = "kubed.appscode.com";
  const F = "reflector.v1.k8s.emberstack.com";
  const sync = dialectRule("kubed", "Secret", "src", "db", { [`${K}/sync`]: "" });
  const result = plan(input([sync], [object("a", "db", {}, { [`${F}/reflects`]: "src/db", [`${F}/auto-reflects`]: "True" })]));
  assert.equal(outcome(result, "a")?.state, "Conflict");
  assert.match(outcome(result, "a")!.message, /carries Reflector's marks, not config-syncer's/);
});

// Property: over random worlds of tools' marks, rules of several dialects, policies and consent,
// every write to an unmanaged object is allowed by invariant 2, and the plan reaches a fixed point.
const K = "kubed.appscode.com";
const F = "reflector.v1.k8s.emberstack.com";
const W = "secret-syncer.jeffl.es";
const targets = ["a", "b", "c"];
const marksFor = (tool: string, of: string): Pick<ObservedObject, "labels" | "annotations"> => {
  switch (tool) {
    case "reflector":
      return { labels: {}, annotations: { [`${F}/reflects`]: `src/${of}`, [`${F}/auto-reflects`]: "True" } };
    case "kubed":
      return { labels: { [`${K}/origin.name`]: of, [`${K}/origin.namespace`]: "src" }, annotations: { [`${K}/origin`]: JSON.stringify({ namespace: "src", name: of, uid: `uid-${of}` }) } };
    case "whisperer":
      return { labels: { [`${W}/mirror`]: "true", [`${W}/name`]: of, [`${W}/namespace`]: "src" }, annotations: {} };
    default:
      return { labels: {}, annotations: {} };
  }
};
const randomWorld = fc
  .record({
    rules: fc.array(
      fc.record({
        dialect: fc.constantFrom("native", "reflector", "kubed", "whisperer", "mwsync"),
        source: fc.constantFrom("s0", "s1"),
        targets: fc.subarray(targets),
        conflict: fc.constantFrom("skip", "adopt", "overwrite"),
        scope: fc.constantFrom("administrator", "tenant"),
      }),
      { maxLength: 3 },
    ),
    objects: fc.array(fc.record({ namespace: fc.constantFrom(...targets), name: fc.constantFrom("s0", "s1"), tool: fc.constantFrom("none", "reflector", "kubed", "whisperer"), of: fc.constantFrom("s0", "s1") }), {
      maxLength: 5,
    }),
    consent: fc.subarray(["native", "reflector", "kubed", "whisperer", "mwsync"]),
    mode: fc.constantFrom("open", "guarded", "strict"),
  })
  .map((w) => {
    const rules = w.rules.map((r, i) =>
      rule(`r${i}`, "src", r.source, { namespaces: r.targets }, {
        conflict: r.dialect === "native" ? (r.conflict as "skip") : "skip",
        scope: r.scope as "tenant",
        origin: { dialect: r.dialect, apiVersion: "v1", kind: "Secret", namespace: "src", name: r.source },
      }),
    );
    const observed = new Map<string, ObservedObject>();
    for (const o of w.objects) observed.set(objectKey("Secret", o.namespace, o.name), { kind: "Secret", namespace: o.namespace, name: o.name, resourceVersion: "1", ...marksFor(o.tool, o.of) });
    return {
      ...world({
        rules,
        namespaces: [ns("src"), ...targets.map((n) => ns(n, { "ferry.dev/accept": "all" }))],
        sources: ["s0", "s1"].map((s) => secret("src", s, { k: Buffer.from(s).toString("base64") }, { uid: `uid-${s}` })),
        observed: [...observed.values()],
        policy: { ...policy(w.mode as "open"), takeOverUnmarked: w.consent },
      }),
      copyMarks: knownCopyMarks,
    };
  });

test("property: a write to an unmanaged object is an allowed overwrite, a proven copy of the rule's own source, or a consented unmarked object", () => {
  fc.assert(
    fc.property(randomWorld, (world) => {
      const result = plan(world);
      assert.deepEqual(plan(world).actions, result.actions, "deterministic");
      for (const action of result.actions) {
        const observed = world.observed.get(action.key);
        if (!observed || observed.labels[MANAGED_BY_LABEL] === "ferry") continue;
        assert.notEqual(action.type, "delete", "never deletes an unmanaged object");
        if (action.type === "delete" || action.type === "create") continue;
        const r = world.rules.find((x) => x.id === action.ruleId)!;
        const carried = [...knownCopyMarks.values()].filter((marks) => marks.keys.length > 0 && [...Object.keys(observed.labels), ...Object.keys(observed.annotations)].some((key) => marks.keys.includes(key)));
        if (!action.takeover) {
          assert.ok(r.conflict === "overwrite" && (r.scope === "administrator" || world.policy.mode === "open"), `overwrite of ${action.key} allowed`);
        } else if (action.takeover.evidence === "consent") {
          assert.deepEqual(carried, [], "consent covers unmarked objects only");
          assert.ok(world.policy.takeOverUnmarked?.includes(r.origin.dialect));
        } else {
          const tool = carried.find((marks) => marks.tool === action.takeover!.tool)!;
          assert.deepEqual(tool.sourceOf!(observed), { namespace: r.source.namespace, name: r.source.name }, "the marks name the rule's own source");
          assert.equal(observed.name, r.source.name);
          assert.ok(r.conflict === "adopt" || knownCopyMarks.get(r.origin.dialect) === tool, "a dialect's rule takes over its own tool's copies; adopt any tool's");
        }
      }
      const once = apply(world, result.actions);
      assert.deepEqual(plan(once).actions, [], "fixed point after one pass");
    }),
    { numRuns: 400 },
  );
});
