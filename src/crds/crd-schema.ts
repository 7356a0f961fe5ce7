// A zod schema as a CRD's OpenAPI v3 schema: what the apiserver validates is what Ferry's parser
// accepts, from one definition. `io: "input"` describes what a user may write (defaults make
// fields optional); the OpenAPI 3.0 target is the dialect structural schemas are written in.
import { z } from "zod";

export function crdSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: "openapi-3.0", io: "input" }) as Record<string, unknown>;
  return json;
}
