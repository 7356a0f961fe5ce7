// Random worlds for property tests of plan(): up to four rules over five namespaces, with
// sources present or not and unmanaged objects at some targets, under every policy mode.
import fc from "fast-check";
import { ns, policy, rule, secret, world } from "./plan-fixtures.js";

export const nsNames = ["n0", "n1", "n2", "n3", "n4"];
export const arbitraryWorld = fc
  .record({
    rules: fc.array(
      fc.record({
        source: fc.constantFrom("s0", "s1", "s2"),
        targets: fc.subarray(nsNames),
        all: fc.boolean(),
        copyName: fc.option(fc.constantFrom("c0", "c1"), { nil: undefined }),
        conflict: fc.constantFrom("skip", "adopt", "overwrite"),
        scope: fc.constantFrom("administrator", "tenant"),
      }),
      { maxLength: 4 },
    ),
    sources: fc.subarray(["s0", "s1", "s2"]),
    unmanaged: fc.subarray(nsNames.flatMap((n) => ["s0", "s1", "c0"].map((s) => `${n}/${s}`)), { maxLength: 5 }),
    mode: fc.constantFrom("open", "guarded", "strict"),
  })
  .map((w) =>
    world({
      rules: w.rules.map((r, i) =>
        rule(`r${i}`, "src", r.source, { namespaces: r.targets, allNamespaces: r.all }, {
          conflict: r.conflict as "skip",
          scope: r.scope as "administrator",
          copy: { name: r.copyName, labels: {}, annotations: {} },
        }),
      ),
      namespaces: [ns("src"), ...nsNames.map((n) => ns(n))],
      sources: w.sources.map((s) => secret("src", s, { k: Buffer.from(s).toString("base64") })),
      observed: w.unmanaged.map((path) => {
        const [namespace, name] = path.split("/") as [string, string];
        return { kind: "Secret" as const, namespace, name, labels: {}, annotations: {} };
      }),
      policy: policy(w.mode as "open"),
    }),
  );
