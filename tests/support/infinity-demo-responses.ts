// The real HTTP answers of every URL the dashboards' Infinity queries read, in each shape and fault the
// demo offers: the demo's four services run here against a database of their own with a DemoState this
// module sets (flat or rich websocket fields, training, unhealthy, degraded, database or queue lost,
// garbage and 500 bodies), and RabbitMQ's management API answers as the stack's admin (the demo's own
// queues) and as a user who sees only an empty vhost of its own (no queues, then one fresh queue).
import { SERVICE_NAMES, type ServiceName } from "../../scripts/lib/config.ts";
import { applyDemoSchema } from "../../scripts/lib/demo/schema.ts";
import { type DemoServices, faultApplies, startServices } from "../../scripts/lib/demo/services.ts";
import { type DemoState, newDemoState } from "../../scripts/lib/demo/state.ts";
import { eventually, freshDatabase, freshVhost, rabbitApi, settings } from "./live.ts";
import { freePorts } from "./service-shapes.ts";

export type InfinitySource = ServiceName | "rabbitmq";

export interface CapturedResponse {
  /** What the demo looked like, e.g. "websocket_state, disconnected after errors". */
  shape: string;
  source: InfinitySource;
  path: string;
  status: number;
  statusText: string;
  contentType: string;
  body: string;
}

const API_KEY = "jsonata-differential-key";

interface ServiceShape {
  name: string;
  arrange(state: DemoState, services: DemoServices, now: number): Promise<void> | void;
}

const iso = (ms: number) => new Date(ms).toISOString();

// Each shape starts from the healthy demo (flat websocket fields, nothing training, no fault).
const SERVICE_SHAPES: ServiceShape[] = [
  { name: "healthy, flat websocket fields (today's ws-gateway)", arrange: () => {} },
  {
    name: "websocket_state, connected for an hour",
    arrange: (state, _services, now) => {
      state.websocket.richState = true;
      state.websocket.connectedAt = new Date(now - 3_723_400);
      state.websocket.lastHeartbeat = new Date(now - 12_000);
    },
  },
  {
    name: "websocket_state, disconnected after errors",
    arrange: (state) => {
      Object.assign(state.websocket, { richState: true, status: "disconnected", connectedAt: null, reconnectionCount: 3, lastError: "Connection reset by peer" });
    },
  },
  {
    name: "websocket_state, reconnecting (flapping link)",
    arrange: (state, _services, now) => {
      Object.assign(state.websocket, { richState: true, status: "reconnecting", connectedAt: null, lastHeartbeat: new Date(now - 45_000), reconnectionCount: 1 });
      state.websocket.lastError = "Ping timeout: no pong from Bybit within 20 s";
    },
  },
  { name: "flat websocket fields, disconnected", arrange: (state) => void Object.assign(state.websocket, { status: "disconnected", connectedAt: null }) },
  {
    name: "training now, two queued, a completed last run",
    arrange: (state, _services, now) => {
      state.training.isTraining = true;
      state.training.current = { strategy_id: "momentum_v1", model_version: null, started_at: iso(now - 90_000), dataset_size: 5000 };
      state.training.last = { strategy_id: "breakout_scalper", model_version: "v12", started_at: iso(now - 7_200_000), completed_at: iso(now - 6_900_000), dataset_size: 4200 };
      state.training.queueSize = 2;
      state.training.nextQueuedStrategyId = "mean_reversion";
    },
  },
  { name: "every service says unhealthy", arrange: (_state, services) => setAll(services, "unhealthy") },
  { name: "position-manager degraded", arrange: (_state, services) => services.setFault("position-manager", "degraded", true) },
  { name: "database lost", arrange: (state) => void (state.faults.databaseDown = true) },
  { name: "RabbitMQ connection lost", arrange: (state) => void (state.faults.queueDown = true) },
  { name: "garbage: 200 with an HTML page", arrange: (_state, services) => setAll(services, "garbage") },
  { name: "HTTP 500", arrange: (_state, services) => setAll(services, "error500") },
];

async function setAll(services: DemoServices, fault: "unhealthy" | "garbage" | "error500") {
  for (const name of SERVICE_NAMES) if (faultApplies(name, fault)) await services.setFault(name, fault, true);
}

async function capture(shape: string, source: InfinitySource, path: string, url: string, headers: Record<string, string>): Promise<CapturedResponse> {
  const response = await fetch(url, { headers });
  return {
    shape,
    source,
    path,
    status: response.status,
    statusText: response.statusText,
    contentType: response.headers.get("content-type") ?? "",
    body: await response.text(),
  };
}

/** Every path of `paths` from its source in every shape; the services, database, vhost and user are
 *  gone when this returns. `now` is the instant the shapes' times are set from. */
export async function captureDemoResponses(paths: Partial<Record<InfinitySource, string[]>>, now: number): Promise<CapturedResponse[]> {
  const captured: CapturedResponse[] = [];
  const db = await freshDatabase("jsonata_differential");
  let services: DemoServices | undefined;
  try {
    await applyDemoSchema(db.sql);
    await db.sql`
      INSERT INTO subscriptions (channel_type, symbol, topic, requesting_service, is_active, last_event_at) VALUES
        ('trades', 'BTCUSDT', 'publicTrade.BTCUSDT', 'model-service', true, now()),
        ('order', '*', 'order', 'order-manager', true, now())`;
    await db.sql`INSERT INTO positions (asset, size, average_entry_price, mode, last_updated) VALUES ('BTCUSDT', 0.5, 97000, 'one-way', now())`;
    const state = newDemoState();
    const baseline = structuredClone({ websocket: state.websocket, training: state.training });
    const ports = freePorts(SERVICE_NAMES.length);
    const apiKeys = Object.fromEntries(SERVICE_NAMES.map((name) => [name, API_KEY])) as Record<ServiceName, string>;
    services = await startServices({
      sql: db.sql,
      state,
      ports: Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, ports[i]!])) as Record<ServiceName, number>,
      apiKeys,
    });
    for (const shape of SERVICE_SHAPES) {
      await shape.arrange(state, services, now);
      for (const name of SERVICE_NAMES) {
        for (const path of paths[name] ?? []) {
          captured.push(await capture(shape.name, name, path, `${services.urls[name]}${path}`, { "X-API-Key": API_KEY }));
        }
      }
      await services.clearFaults();
      state.faults.databaseDown = false;
      state.faults.queueDown = false;
      Object.assign(state.websocket, structuredClone(baseline.websocket));
      Object.assign(state.training, structuredClone(baseline.training));
    }
  } finally {
    await services?.stop();
    await db.drop();
  }
  if (paths.rabbitmq?.length) captured.push(...(await captureRabbitmq(paths.rabbitmq)));
  return captured;
}

async function captureRabbitmq(paths: string[]): Promise<CapturedResponse[]> {
  const { rabbitmq } = settings();
  const admin = { Authorization: `Basic ${btoa(`${rabbitmq.user}:${rabbitmq.password ?? ""}`)}` };
  const captured: CapturedResponse[] = [];
  for (const path of paths) captured.push(await capture("the stack's RabbitMQ with the demo's queues", "rabbitmq", path, `${rabbitmq.managementUrl}${path}`, admin));

  // A management user sees only the vhosts it may use: its own empty one gives the real "no queues" answer.
  const vhost = await freshVhost("jsonata_differential");
  const user = `jsonata_differential_${Math.random().toString(36).slice(2, 8)}`;
  const password = crypto.randomUUID();
  const userPath = `/api/users/${encodeURIComponent(user)}`;
  const vhostPath = encodeURIComponent(vhost.name);
  try {
    const created = await rabbitApi(userPath, { method: "PUT", body: JSON.stringify({ password, tags: "management" }) });
    if (!created.ok) throw new Error(`could not create the RabbitMQ user ${user}: ${created.status}`);
    await rabbitApi(`/api/permissions/${vhostPath}/${encodeURIComponent(user)}`, { method: "PUT", body: JSON.stringify({ configure: ".*", write: ".*", read: ".*" }) });
    const own = { Authorization: `Basic ${btoa(`${user}:${password}`)}` };
    const queuePaths = paths.filter((path) => path.startsWith("/api/queues"));
    for (const path of queuePaths) captured.push(await capture("RabbitMQ: no queues", "rabbitmq", path, `${rabbitmq.managementUrl}${path}`, own));

    // A queue nobody consumes, with messages waiting: no consumer and, until stats arrive, no message_stats.
    const queuePath = `/api/queues/${vhostPath}/waiting`;
    const declared = await rabbitApi(queuePath, { method: "PUT", body: JSON.stringify({ durable: false, auto_delete: false }) });
    if (!declared.ok) throw new Error(`could not declare a queue in ${vhost.name}: ${declared.status}`);
    for (const path of queuePaths) captured.push(await capture("RabbitMQ: one new queue, no consumer", "rabbitmq", path, `${rabbitmq.managementUrl}${path}`, own));
    for (let i = 0; i < 3; i++) {
      await rabbitApi(`/api/exchanges/${vhostPath}/amq.default/publish`, {
        method: "POST",
        body: JSON.stringify({ properties: {}, routing_key: "waiting", payload: `message ${i}`, payload_encoding: "string" }),
      });
    }
    await eventually("the waiting queue's message count", async () => {
      const queue = (await (await rabbitApi(queuePath)).json()) as { messages?: number };
      return queue.messages === 3 ? true : undefined;
    });
    for (const path of queuePaths) captured.push(await capture("RabbitMQ: three messages waiting, no consumer", "rabbitmq", path, `${rabbitmq.managementUrl}${path}`, own));
  } finally {
    await rabbitApi(userPath, { method: "DELETE" });
    await vhost.delete();
  }
  return captured;
}
