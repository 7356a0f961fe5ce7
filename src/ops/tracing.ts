// OpenTelemetry tracing, off unless configured by the standard environment variables
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_TRACES_EXPORTER=otlp).
// Spans carry names, kinds and counts only, never Secret values. The SDK and exporter are loaded
// only when tracing is configured (the API alone is a no-op and small).
import { trace, type Tracer } from "@opentelemetry/api";

export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_TRACES_EXPORTER === "otlp");
}

/** Installs an OTLP/HTTP exporter when configured; returns a shutdown that flushes spans. */
export async function setupTracing(env: NodeJS.ProcessEnv = process.env): Promise<{ shutdown(): Promise<void> } | undefined> {
  if (!tracingConfigured(env)) return undefined;
  const [{ OTLPTraceExporter }, { resourceFromAttributes }, { BasicTracerProvider, BatchSpanProcessor }] = await Promise.all([
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/sdk-trace-base"),
  ]);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, "");
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base}/v1/traces` : undefined);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME ?? "ferry" }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(url ? { url } : {}), { scheduledDelayMillis: 500 })],
  });
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
      trace.disable();
    },
  };
}

export function tracer(): Tracer {
  return trace.getTracer("ferry");
}
