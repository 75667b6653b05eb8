// What each demo service answers, route by route, with the real response shapes (source-system.md,
// "HTTP endpoints"): from the demo database and the shared DemoState.
import { constants } from "node:fs";
import { access, statfs, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type postgres from "postgres";
import type { ServiceName } from "../config.ts";
import { roundTo } from "./market.ts";
import type { DemoState, TrainingRun } from "./state.ts";

// A health probe must answer even when PostgreSQL hangs; past this the database counts as lost.
const DB_PROBE_TIMEOUT_MS = 3_000;
// The database error the real services report when their pool has no connection.
const NOT_CONNECTED = "Not connected";

export interface ServiceContext {
  sql: postgres.Sql;
  state: DemoState;
  apiKey: string;
  storagePath: string;
  /** order-manager's own request timings per route, newest last, for /metrics. */
  responseTimes: Map<string, number[]>;
}

type Route = (context: ServiceContext, request: Request, url: URL) => Promise<Response> | Response;

const ROUTES: Record<ServiceName, Record<string, Route>> = {
  "ws-gateway": { "/health": wsGatewayHealth, "/api/v1/subscriptions": subscriptionList },
  "model-service": { "/health": modelServiceHealth, "/api/v1/training/status": trainingStatus },
  "order-manager": { "/health": orderManagerHealth, "/ready": orderManagerReady, "/metrics": orderManagerMetrics },
  "position-manager": { "/health": positionManagerHealth },
  "feature-service": { "/health": featureServiceHealth },
  "dashboard-api": { "/health": () => Response.json({ status: "ok" }), "/live": () => Response.json({ status: "alive" }), "/ready": dashboardApiReady },
};

/** A request to one service: its route, or 404/405; a failing handler answers 500 as the real ones do. */
export async function route(name: ServiceName, context: ServiceContext, request: Request, url: URL): Promise<Response> {
  const handler = ROUTES[name][url.pathname];
  if (!handler) return Response.json({ detail: "Not Found" }, { status: 404 });
  if (request.method !== "GET" && request.method !== "HEAD") return Response.json({ detail: "Method Not Allowed" }, { status: 405 });
  try {
    return await handler(context, request, url);
  } catch (error) {
    return Response.json({ detail: (error as Error).message }, { status: 500 });
  }
}

// --- what every service shares: database and queue as the service sees them ---------------------------

type DatabaseAnswer<T> = { connected: true; value: T } | { connected: false; error: string };

/** Runs a query the way a health check does: a demo outage or a real failure reads as "not connected". */
async function fromDatabase<T>(context: ServiceContext, query: (sql: postgres.Sql) => Promise<T>): Promise<DatabaseAnswer<T>> {
  if (context.state.faults.databaseDown) return { connected: false, error: NOT_CONNECTED };
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${DB_PROBE_TIMEOUT_MS} ms`)), DB_PROBE_TIMEOUT_MS);
  });
  try {
    return { connected: true, value: await Promise.race([query(context.sql), timeout]) };
  } catch (error) {
    return { connected: false, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

const queueConnected = (context: ServiceContext) => !context.state.faults.queueDown;
const faultsOf = (context: ServiceContext, name: ServiceName) => context.state.faults.services[name];

// --- ws-gateway -------------------------------------------------------------------------------------------

async function wsGatewayHealth(context: ServiceContext): Promise<Response> {
  const { websocket } = context.state;
  const active = await fromDatabase(context, async (sql) => {
    const [row] = await sql`SELECT count(*)::int AS active FROM subscriptions WHERE is_active`;
    return row!.active as number;
  });
  const queue = queueConnected(context);
  // The real gateway's status depends on database and queue only, never on the WebSocket.
  const healthy = active.connected && queue && !faultsOf(context, "ws-gateway").has("unhealthy");
  const body: Record<string, unknown> = {
    status: healthy ? "healthy" : "unhealthy",
    service: "ws-gateway",
    websocket_connected: websocket.status === "connected",
    websocket_status: websocket.status,
    database_connected: active.connected,
    queue_connected: queue,
    active_subscriptions: active.connected ? active.value : 0,
  };
  if (websocket.flatFields) {
    // The newest gateway: the module's global connection, which is the private one; its last message time
    // is the container's naive local time (UTC here).
    Object.assign(body, {
      websocket_environment: websocket.environment,
      websocket_endpoint_type: "private",
      websocket_public_category: null,
      websocket_last_message_at: websocket.status === "connected" ? new Date().toISOString().slice(0, 23) : null,
    });
  }
  // Only a newer gateway exposes this object; dashboards must cope with its absence.
  if (websocket.richState) body.websocket_state = websocketState(context.state);
  return Response.json(body);
}

function websocketState(state: DemoState) {
  const { websocket } = state;
  return {
    status: websocket.status,
    environment: websocket.environment,
    connected_at: websocket.connectedAt?.toISOString() ?? null,
    last_heartbeat: websocket.lastHeartbeat?.toISOString() ?? null,
    reconnection_count: websocket.reconnectionCount,
    last_error: websocket.lastError,
  };
}

async function subscriptionList(context: ServiceContext, request: Request, url: URL): Promise<Response> {
  const key = request.headers.get("x-api-key") || url.searchParams.get("api_key");
  if (!key || key !== context.apiKey) {
    return Response.json(
      { error: key ? "Invalid API key" : "Missing API key", code: "AUTHENTICATION_FAILED", details: { reason: "invalid_or_missing_api_key" } },
      { status: 401 },
    );
  }
  const rows = await fromDatabase(
    context,
    // TIMESTAMP columns hold UTC without a zone; the gateway serializes them as naive ISO strings.
    (sql) => sql`
      SELECT id::text AS id, channel_type, symbol, topic, requesting_service, is_active,
             to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS created_at,
             to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS updated_at,
             to_char(last_event_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS last_event_at
      FROM subscriptions
      ORDER BY created_at DESC, id`,
  );
  if (!rows.connected) {
    return Response.json({ error: "Database unavailable", code: "DATABASE_ERROR", details: { reason: rows.error } }, { status: 500 });
  }
  return Response.json({ subscriptions: [...rows.value], total: rows.value.length });
}

// --- model-service ----------------------------------------------------------------------------------------

async function modelServiceHealth(context: ServiceContext): Promise<Response> {
  const db = await fromDatabase(context, (sql) => sql`SELECT 1`);
  const queue = queueConnected(context);
  const storage = await modelStorage(context.storagePath);
  const healthy = db.connected && queue && storage.healthy && !faultsOf(context, "model-service").has("unhealthy");
  return Response.json({
    status: healthy ? "healthy" : "unhealthy",
    service: "model-service",
    checks: {
      database: db.connected ? { status: "healthy", connected: true } : { status: "unhealthy", connected: false, error: db.error },
      message_queue: queue ? { status: "healthy", connected: true } : { status: "unhealthy", connected: false, error: NOT_CONNECTED },
      model_storage: storage,
    },
    database_connected: db.connected,
    queue_connected: queue,
  });
}

/** The model directory's health from the file system itself: space, and whether a file can be written. */
async function modelStorage(path: string) {
  const empty = { total: 0, used: 0, free: 0, available: 0 };
  try {
    const fs = await statfs(path);
    const total = fs.blocks * fs.bsize;
    const free = fs.bfree * fs.bsize;
    const available = fs.bavail * fs.bsize;
    const used = total - free;
    // Like df's Use%: what an unprivileged writer can still use counts, not the reserved blocks.
    const usedShare = used + available > 0 ? used / (used + available) : 1;
    const readable = await canAccess(path, constants.R_OK);
    const writable = await canWriteFile(path);
    const critical = usedShare >= 0.95;
    return {
      healthy: readable && writable && !critical,
      path,
      writable,
      readable,
      disk_space: { total, used, free, available },
      disk_space_warning: usedShare >= 0.85,
      disk_space_critical: critical,
    };
  } catch (error) {
    return { healthy: false, path, writable: false, readable: false, disk_space: empty, disk_space_warning: false, disk_space_critical: false, error: (error as Error).message };
  }
}

async function canAccess(path: string, mode: number): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

async function canWriteFile(path: string): Promise<boolean> {
  const probe = join(path, `.health-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await writeFile(probe, "ok");
    await unlink(probe);
    return true;
  } catch {
    return false;
  }
}

function trainingStatus(context: ServiceContext, request: Request): Response {
  const key = request.headers.get("x-api-key");
  if (!key) return Response.json({ detail: "Missing API key" }, { status: 401 });
  // The real model-service fails inside its key check on a wrong key and answers 500, not 401.
  if (key !== context.apiKey) return Response.json({ detail: "Internal Server Error" }, { status: 500 });
  const { training } = context.state;
  const queued = training.queueSize > 0;
  return Response.json({
    is_training: training.isTraining,
    current_training: trainingRun(training.current),
    last_training: trainingRun(training.last),
    next_scheduled_training: training.nextScheduledAt.toISOString(),
    queue_size: training.queueSize,
    // The next queued run waits behind the one training now.
    queue_wait_time_seconds: queued ? secondsSince(training.current?.started_at) : null,
    next_queued_training_strategy_id: queued ? training.nextQueuedStrategyId : null,
    // In the demo a queued run waits for its dataset, which is not built yet.
    next_queued_training_dataset_id: null,
    pending_dataset_builds: training.queueSize,
  });
}

const trainingRun = (run: TrainingRun | null) => (run ? { ...run } : null);

function secondsSince(iso: string | undefined): number {
  if (!iso) return 0;
  return Math.max(0, roundTo((Date.now() - Date.parse(iso)) / 1000, 1));
}

// --- order-manager ----------------------------------------------------------------------------------------

async function orderManagerHealth(context: ServiceContext): Promise<Response> {
  const db = await fromDatabase(context, (sql) => sql`SELECT 1`);
  const queue = queueConnected(context);
  const healthy = db.connected && queue && !faultsOf(context, "order-manager").has("unhealthy");
  return Response.json({
    status: healthy ? "healthy" : "unhealthy",
    service: "order-manager",
    database_connected: db.connected,
    queue_connected: queue,
    timestamp: new Date().toISOString(),
  });
}

/** Ready means it can take orders: its own flag, and database and RabbitMQ reachable. */
async function orderManagerReady(context: ServiceContext): Promise<Response> {
  const db = await fromDatabase(context, (sql) => sql`SELECT 1`);
  const queue = queueConnected(context);
  const ready = context.state.orderManager.ready && db.connected && queue;
  return Response.json(
    {
      status: ready ? "ready" : "not_ready",
      timestamp: new Date().toISOString(),
      dependencies: { database: db.connected ? "available" : "unavailable", rabbitmq: queue ? "available" : "unavailable" },
    },
    { status: ready ? 200 : 503 },
  );
}

function orderManagerMetrics(context: ServiceContext): Response {
  const { orderManager } = context.state;
  const apiResponseTimes = Object.fromEntries([...context.responseTimes].map(([path, times]) => [path, latencySummary(times)]));
  return Response.json({
    metrics: {
      order_processing_latency: latencySummary(orderManager.latenciesMs),
      api_response_times: apiResponseTimes,
      // The demo order-manager keeps no in-process queues; broker queue depths come from RabbitMQ.
      queue_depths: {},
      error_counts: { ...orderManager.errorCounts },
    },
    timestamp: new Date().toISOString(),
  });
}

/** count/min/max/avg and nearest-rank percentiles in milliseconds; zeros before the first sample. */
export function latencySummary(samples: readonly number[]) {
  if (samples.length === 0) return { count: 0, min: 0, max: 0, avg: 0, p50: 0, p95: 0, p99: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))]!;
  const round = (value: number) => roundTo(value, 2);
  return {
    count: sorted.length,
    min: round(sorted[0]!),
    max: round(sorted[sorted.length - 1]!),
    avg: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
  };
}

export function recordResponseTime(context: ServiceContext, path: string, ms: number) {
  if (!ROUTES["order-manager"][path]) return;
  const times = context.responseTimes.get(path) ?? [];
  times.push(ms);
  if (times.length > 500) times.shift();
  context.responseTimes.set(path, times);
}

// --- position-manager -------------------------------------------------------------------------------------

async function positionManagerHealth(context: ServiceContext): Promise<Response> {
  // As the real one counts (health.py: SELECT COUNT(*) FROM positions): every row, so on the newest shape
  // every position ever opened, closed history included; not the open positions (docs/trading-system-now.md §4).
  const rows = await fromDatabase(context, async (sql) => {
    const [row] = await sql`SELECT count(*)::int AS rows FROM positions`;
    return row!.rows as number;
  });
  const queue = queueConnected(context);
  const faults = faultsOf(context, "position-manager");
  // position-manager never says "unhealthy": anything wrong reads as "degraded".
  const healthy = rows.connected && queue && !faults.has("unhealthy") && !faults.has("degraded");
  const stats = context.state.positionManager;
  return Response.json({
    status: healthy ? "healthy" : "degraded",
    service: "position-manager",
    database_connected: rows.connected,
    queue_connected: queue,
    positions_count: rows.connected ? rows.value : 0,
    validation_statistics: {
      total_validations: stats.totalValidations,
      total_discrepancies: stats.totalDiscrepancies,
      total_fixes: stats.totalFixes,
      total_errors: stats.totalErrors,
    },
  });
}

// --- feature-service and dashboard-api (the newest system) ------------------------------------------------

/** feature-service's /health is static: it checks nothing, and its timestamp is Python's UTC isoformat. */
function featureServiceHealth(): Response {
  const timestamp = new Date().toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}000+00:00`);
  return Response.json({ status: "healthy", service: "feature-service", timestamp });
}

/** dashboard-api's /ready: 503 "not ready" while its database pool is down (the demo's database outage,
 *  or the unhealthy fault). */
function dashboardApiReady(context: ServiceContext): Response {
  const down = context.state.faults.databaseDown || faultsOf(context, "dashboard-api").has("unhealthy");
  return down ? Response.json({ status: "not ready" }, { status: 503 }) : Response.json({ status: "ready" });
}
