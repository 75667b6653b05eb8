// The real shapes of the trading system's four services' endpoints, as zod schemas (strict: a field the
// real service does not send fails), written from source-system.md, and how the tests read them;
// tests/demo-services.test.ts holds the demo's answers to them.
import { expect } from "bun:test";
import { z } from "zod";
import { CORE_SERVICES as SERVICE_NAMES, type CoreServiceName as ServiceName } from "../../scripts/lib/services.ts";


export const isoUtc = z.iso.datetime();
// The gateway's TIMESTAMP columns come out as naive ISO strings (UTC, no zone suffix).
export const naiveTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
export const websocketStatus = z.enum(["disconnected", "connecting", "connected", "reconnecting"]);
export const count = z.int().nonnegative();

export const websocketStateSchema = z.strictObject({
  status: websocketStatus,
  environment: z.enum(["testnet", "mainnet"]),
  connected_at: isoUtc.nullable(),
  last_heartbeat: isoUtc.nullable(),
  reconnection_count: count,
  last_error: z.string().nullable(),
});

export const wsGatewayHealth = z.strictObject({
  status: z.enum(["healthy", "unhealthy"]),
  service: z.literal("ws-gateway"),
  websocket_connected: z.boolean(),
  websocket_status: websocketStatus,
  database_connected: z.boolean(),
  queue_connected: z.boolean(),
  active_subscriptions: count,
  websocket_state: websocketStateSchema.optional(),
});

export const subscriptionList = z.strictObject({
  subscriptions: z.array(
    z.strictObject({
      id: z.uuid(),
      channel_type: z.enum(["trades", "ticker", "orderbook", "order", "balance", "position", "kline", "liquidation", "funding"]),
      symbol: z.string().nullable(),
      topic: z.string(),
      requesting_service: z.string(),
      is_active: z.boolean(),
      created_at: naiveTime,
      updated_at: naiveTime,
      last_event_at: naiveTime.nullable(),
    }),
  ),
  total: count,
});

export const authenticationFailed = z.strictObject({
  error: z.string().min(1),
  code: z.literal("AUTHENTICATION_FAILED"),
  details: z.record(z.string(), z.unknown()),
});

export const connectionCheck = z.strictObject({ status: z.enum(["healthy", "unhealthy"]), connected: z.boolean(), error: z.string().optional() });
export const bytes = z.number().nonnegative();
export const modelServiceHealth = z.strictObject({
  status: z.enum(["healthy", "unhealthy"]),
  service: z.literal("model-service"),
  checks: z.strictObject({
    database: connectionCheck,
    message_queue: connectionCheck,
    model_storage: z.strictObject({
      healthy: z.boolean(),
      path: z.string().min(1),
      writable: z.boolean(),
      readable: z.boolean(),
      disk_space: z.strictObject({ total: bytes, used: bytes, free: bytes, available: bytes }),
      disk_space_warning: z.boolean(),
      disk_space_critical: z.boolean(),
      error: z.string().optional(),
    }),
  }),
  database_connected: z.boolean(),
  queue_connected: z.boolean(),
});

export const trainingRun = z.object({ strategy_id: z.string(), model_version: z.string().nullable(), started_at: z.string(), dataset_size: count });
export const trainingStatus = z.strictObject({
  is_training: z.boolean(),
  current_training: trainingRun.nullable(),
  last_training: trainingRun.nullable(),
  next_scheduled_training: isoUtc.nullable(),
  queue_size: count,
  queue_wait_time_seconds: z.number().nonnegative().nullable(),
  next_queued_training_strategy_id: z.string().nullable(),
  next_queued_training_dataset_id: z.string().nullable(),
  pending_dataset_builds: count,
});

export const orderManagerHealth = z.strictObject({
  status: z.enum(["healthy", "unhealthy"]),
  service: z.literal("order-manager"),
  database_connected: z.boolean(),
  queue_connected: z.boolean(),
  timestamp: isoUtc,
});
export const orderManagerReady = z.object({ status: z.enum(["ready", "not_ready"]), timestamp: isoUtc });
export const latency = z.strictObject({ count, min: z.number(), max: z.number(), avg: z.number(), p50: z.number(), p95: z.number(), p99: z.number() });
export const orderManagerMetrics = z.strictObject({
  metrics: z.strictObject({
    order_processing_latency: latency,
    api_response_times: z.record(z.string(), latency),
    queue_depths: z.record(z.string(), z.number()),
    error_counts: z.record(z.string(), count),
  }),
  timestamp: isoUtc,
});

export const positionManagerHealth = z.strictObject({
  status: z.enum(["healthy", "degraded"]),
  service: z.literal("position-manager"),
  database_connected: z.boolean(),
  queue_connected: z.boolean(),
  positions_count: count,
  validation_statistics: z.strictObject({ total_validations: count, total_discrepancies: count, total_fixes: count, total_errors: count }),
});

export const HEALTH = {
  "ws-gateway": wsGatewayHealth,
  "model-service": modelServiceHealth,
  "order-manager": orderManagerHealth,
  "position-manager": positionManagerHealth,
} as const;


/** Ports the system hands out for the asking: high, and never the demo's real 4400-4800. */
export function freePorts(n: number): number[] {
  const probes = Array.from({ length: n }, () => Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() }));
  const ports = probes.map((probe) => probe.port!);
  for (const probe of probes) probe.stop(true);
  for (const port of ports) expect(port < 4400 || port > 4800).toBe(true);
  return ports;
}

export const portsOf = (ports: number[]) => Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, ports[i]!])) as Record<ServiceName, number>;

export async function json<T>(url: string, schema: z.ZodType<T>, init?: RequestInit, expectedStatus = 200): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  expect({ url, status: response.status, text }).toMatchObject({ status: expectedStatus });
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${url} answered a body that is not the real shape:\n${z.prettifyError(parsed.error)}\n${text}`);
  return parsed.data;
}

export async function connectionError(url: string): Promise<string> {
  try {
    const response = await fetch(url);
    return `answered ${response.status}`;
  } catch (error) {
    return String((error as { code?: string }).code ?? (error as Error).message);
  }
}

/** The API keys the test's services are started with. */
export const API_KEYS: Record<ServiceName, string> = {
  "ws-gateway": "ws-key-test",
  "model-service": "model-key-test",
  "order-manager": "order-key-test",
  "position-manager": "position-key-test",
};
