// Running a dialect's parser as the engine and the hub do: it never throws (a dialect that does
// is a bug, reported as an error on the object, never a crash), and every rule carries the scope
// the dialect declares for that input (dialects/dialect.ts DialectScopes). Pure.
import type { ParseResult, Rule, RuleScope } from "../core/types.js";
import type { CustomResource, Dialect, DialectContext, SourceMetadata } from "./dialect.js";

export function parseSource(dialect: Dialect, meta: SourceMetadata, context: DialectContext): ParseResult {
  if (!dialect.fromSource) return { rules: [], errors: [] };
  const result = safely(() => dialect.fromSource!(meta, context), dialect, meta);
  return withScope(result, dialect.scopes.source, dialect, "its Secret/ConfigMap annotations");
}

export function parseResource(dialect: Dialect, resource: CustomResource, context: DialectContext): ParseResult {
  if (!dialect.fromCustomResource) return { rules: [], errors: [] };
  const result = safely(() => dialect.fromCustomResource!(resource, context), dialect, resource.metadata, resource);
  return withScope(result, dialect.scopes.resources?.[resource.kind], dialect, `${resource.kind} resources`);
}

function withScope(result: ParseResult, scope: RuleScope | undefined, dialect: Dialect, input: string): ParseResult {
  if (result.rules.length === 0) return result;
  if (!scope) {
    // A dialect bug (test/unit/dialects/index.test.ts checks every dialect): no rule without a known author.
    const error = { origin: result.rules[0]!.origin, reason: "ParseError", message: `dialect ${dialect.name} declares no scope for ${input}` };
    return { rules: [], errors: [...result.errors, error] };
  }
  if (result.rules.every((rule) => rule.scope === scope)) return result;
  return { ...result, rules: result.rules.map((rule): Rule => (rule.scope === scope ? rule : { ...rule, scope })) };
}

function safely(parse: () => ParseResult, dialect: Dialect, meta: { namespace?: string; name: string; uid?: string }, resource?: CustomResource): ParseResult {
  try {
    return parse();
  } catch (error) {
    return {
      rules: [],
      errors: [
        {
          origin: { dialect: dialect.name, apiVersion: resource?.apiVersion ?? "v1", kind: resource?.kind ?? "Object", namespace: meta.namespace, name: meta.name, uid: meta.uid },
          reason: "ParseError",
          message: `dialect ${dialect.name} could not read this object: ${(error as Error).message}`,
        },
      ],
    };
  }
}
