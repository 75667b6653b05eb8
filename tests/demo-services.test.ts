// The demo's four services over real HTTP on loopback, against a database of their own: real shapes
// (zod schemas of source-system.md's "HTTP endpoints"), values that follow the rows inserted here, and
// every fault visible through the endpoint an operator's Grafana reads, then cleared.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { z } from "zod";
// The core four; feature-service and dashboard-api: tests/services-list.test.ts.
import { CORE_SERVICES as SERVICE_NAMES, type CoreServiceName as ServiceName } from "../scripts/lib/services.ts";
import { sendFault, startControl } from "../scripts/lib/demo/control.ts";
import { applyDemoSchema, demoShape } from "../scripts/lib/demo/schema.ts";
import { type DemoServices, startServices } from "../scripts/lib/demo/services.ts";
import { cycleWebsocket } from "../scripts/lib/demo/websocket-link.ts";
import { type DemoState, newDemoState } from "../scripts/lib/demo/state.ts";
import { eventually, freshDatabase, useLiveStack } from "./support/live.ts";
import {
  API_KEYS, HEALTH, authenticationFailed, connectionError, count, freePorts, json, modelServiceHealth, orderManagerMetrics,
  orderManagerReady, portsOf, positionManagerHealth, subscriptionList, trainingStatus, wsGatewayHealth,
} from "./support/service-shapes.ts";

useLiveStack();

const SLOW_MS = 1_500;

let db: Awaited<ReturnType<typeof freshDatabase>>;
let state: DemoState;
let services: DemoServices;
let url: Record<ServiceName, string>;
type Health = { [N in ServiceName]: z.infer<(typeof HEALTH)[N]> };
const health = <N extends ServiceName>(name: N): Promise<Health[N]> => json(`${url[name]}/health`, HEALTH[name] as unknown as z.ZodType<Health[N]>);

beforeAll(async () => {
  db = await freshDatabase("demo_services");
  await applyDemoSchema(db.sql);
  await db.sql`
    INSERT INTO subscriptions (channel_type, symbol, topic, requesting_service, is_active, last_event_at) VALUES
      ('trades', 'BTCUSDT', 'publicTrade.BTCUSDT', 'model-service', true, now()),
      ('ticker', 'ETHUSDT', 'tickers.ETHUSDT', 'model-service', true, NULL),
      ('order', '*', 'order', 'order-manager', true, now()),
      ('kline', 'SOLUSDT', 'kline.1.SOLUSDT', 'model-service', false, NULL)`;
  await db.sql`
    INSERT INTO positions (asset, size, average_entry_price, mode, last_updated, closed_at) VALUES
      ('BTCUSDT', 0.5, 97000, 'one-way', now(), NULL),
      ('ETHUSDT', -2, 3400, 'one-way', now(), NULL),
      ('SOLUSDT', 0, 190, 'one-way', now(), now())`;
  state = newDemoState();
  services = await startServices({ sql: db.sql, state, ports: portsOf(freePorts(4)), apiKeys: API_KEYS, slowMs: SLOW_MS });
  url = services.urls;
});

afterAll(async () => {
  await services?.stop();
  await db?.drop();
});

describe("healthy demo services answer the real shapes from live data", () => {
  test("every /health parses and reads healthy", async () => {
    expect((await health("ws-gateway")).status).toBe("healthy");
    expect((await health("model-service")).status).toBe("healthy");
    expect((await health("order-manager")).status).toBe("healthy");
    expect((await health("position-manager")).status).toBe("healthy");
    const model = await health("model-service");
    expect(model.checks.model_storage).toMatchObject({ healthy: true, writable: true, readable: true });
    expect(model.checks.model_storage.disk_space.total).toBeGreaterThan(model.checks.model_storage.disk_space.free);
  });

  test("active_subscriptions and positions_count follow the tables; positions_count counts rows, closed history included, as the real one does", async () => {
    // positions_count: the real service's SELECT COUNT(*) FROM positions (two open positions, one closed: 3).
    const counts = async () => [(await health("ws-gateway")).active_subscriptions, (await health("position-manager")).positions_count];
    expect(await counts()).toEqual([3, 3]);
    const [added] = await db.sql`INSERT INTO subscriptions (channel_type, symbol, topic, requesting_service)
      VALUES ('orderbook', 'BTCUSDT', 'orderbook.50.BTCUSDT', 'model-service') RETURNING id`;
    await db.sql`INSERT INTO positions (asset, size, average_entry_price, mode, last_updated) VALUES ('XRPUSDT', 100, 2.3, 'one-way', now())`;
    expect(await counts()).toEqual([4, 4]);
    await db.sql`UPDATE subscriptions SET is_active = false, updated_at = now() WHERE id = ${added!.id}`;
    // A close keeps the row; a reopen is a new row on the newest shape, the reused row on the December one.
    await db.sql`UPDATE positions SET size = 0, average_entry_price = NULL, closed_at = now() WHERE asset = 'XRPUSDT'`;
    expect(await counts()).toEqual([3, 4]);
    if (demoShape() === "newest") await db.sql`INSERT INTO positions (asset, size, average_entry_price, mode, last_updated) VALUES ('XRPUSDT', -50, 2.4, 'one-way', now())`;
    else await db.sql`UPDATE positions SET size = -50, average_entry_price = 2.4, closed_at = NULL WHERE asset = 'XRPUSDT'`;
    expect((await health("position-manager")).positions_count).toBe(demoShape() === "newest" ? 5 : 4);
  });

  test("position-manager's validation statistics come from the state", async () => {
    state.positionManager.totalValidations = 41;
    state.positionManager.totalDiscrepancies = 3;
    state.positionManager.totalFixes = 2;
    state.positionManager.totalErrors = 1;
    expect((await health("position-manager")).validation_statistics).toEqual({
      total_validations: 41,
      total_discrepancies: 3,
      total_fixes: 2,
      total_errors: 1,
    });
  });

  test("ws-gateway's subscriptions need the API key and list the table's rows", async () => {
    const endpoint = `${url["ws-gateway"]}/api/v1/subscriptions`;
    const missing = await json(endpoint, authenticationFailed, {}, 401);
    expect(missing.error).toBe("Missing API key");
    const wrong = await json(endpoint, authenticationFailed, { headers: { "X-API-Key": "not-the-key" } }, 401);
    expect(wrong.error).toBe("Invalid API key");
    await json(`${endpoint}?api_key=wrong`, authenticationFailed, {}, 401);

    const byHeader = await json(endpoint, subscriptionList, { headers: { "X-API-Key": API_KEYS["ws-gateway"] } });
    const byQuery = await json(`${endpoint}?api_key=${API_KEYS["ws-gateway"]}`, subscriptionList);
    const [counted] = await db.sql`SELECT count(*)::int AS rows FROM subscriptions`;
    const rows = counted!.rows as number;
    expect(byHeader.total).toBe(rows);
    expect(byHeader.subscriptions).toHaveLength(rows);
    expect(byQuery.total).toBe(rows);
    const trades = byHeader.subscriptions.find((s) => s.topic === "publicTrade.BTCUSDT");
    expect(trades).toMatchObject({ channel_type: "trades", symbol: "BTCUSDT", requesting_service: "model-service", is_active: true });
    expect(trades!.last_event_at).not.toBeNull();
    expect(byHeader.subscriptions.find((s) => s.topic === "kline.1.SOLUSDT")?.is_active).toBe(false);
    expect(byHeader.subscriptions.find((s) => s.topic === "order")?.symbol).toBe("*");
  });

  test("model-service's training status: 401 without a key, 500 with a bad one, the state with the right one", async () => {
    const endpoint = `${url["model-service"]}/api/v1/training/status`;
    expect((await fetch(endpoint)).status).toBe(401);
    expect((await fetch(endpoint, { headers: { "X-API-Key": "wrong" } })).status).toBe(500);

    const idle = await json(endpoint, trainingStatus, { headers: { "X-API-Key": API_KEYS["model-service"] } });
    expect(idle).toMatchObject({ is_training: false, current_training: null, queue_size: 0, queue_wait_time_seconds: null });
    expect(idle.next_scheduled_training).toBe(state.training.nextScheduledAt.toISOString());

    const startedAt = new Date(Date.now() - 30_000).toISOString();
    state.training.isTraining = true;
    state.training.current = { strategy_id: "momentum_v1", model_version: null, started_at: startedAt, dataset_size: 5000 };
    state.training.queueSize = 2;
    state.training.nextQueuedStrategyId = "breakout_scalper";
    try {
      const busy = await json(endpoint, trainingStatus, { headers: { "X-API-Key": API_KEYS["model-service"] } });
      expect(busy).toMatchObject({
        is_training: true,
        current_training: { strategy_id: "momentum_v1", started_at: startedAt, dataset_size: 5000 },
        queue_size: 2,
        next_queued_training_strategy_id: "breakout_scalper",
        pending_dataset_builds: 2,
      });
      expect(busy.queue_wait_time_seconds).toBeGreaterThanOrEqual(29);
    } finally {
      state.training.isTraining = false;
      state.training.current = null;
      state.training.queueSize = 0;
      state.training.nextQueuedStrategyId = null;
    }
  });

  test("order-manager's /metrics summarises the latencies and counts in the state", async () => {
    state.orderManager.latenciesMs.push(...Array.from({ length: 100 }, (_, i) => i + 1));
    state.orderManager.errorCounts.rejected = 7;
    await health("order-manager");
    const { metrics } = await json(`${url["order-manager"]}/metrics`, orderManagerMetrics);
    expect(metrics.order_processing_latency).toMatchObject({ count: 100, min: 1, max: 100, avg: 50.5, p50: 51, p95: 96, p99: 100 });
    expect(metrics.error_counts).toEqual({ rejected: 7 });
    expect(metrics.api_response_times["/health"]?.count).toBeGreaterThan(0);
  });

  test("order-manager's /ready: 200 when ready, 503 when it says so or its database is gone", async () => {
    await json(`${url["order-manager"]}/ready`, orderManagerReady);
    state.orderManager.ready = false;
    expect((await json(`${url["order-manager"]}/ready`, orderManagerReady, {}, 503)).status).toBe("not_ready");
    state.orderManager.ready = true;
    state.faults.databaseDown = true;
    await json(`${url["order-manager"]}/ready`, orderManagerReady, {}, 503);
    state.faults.databaseDown = false;
    expect((await json(`${url["order-manager"]}/ready`, orderManagerReady)).status).toBe("ready");
  });

  test("ws-gateway's rich websocket_state appears only when enabled", async () => {
    expect("websocket_state" in (await health("ws-gateway"))).toBe(false);
    state.websocket.richState = true;
    try {
      const rich = await health("ws-gateway");
      expect(rich.websocket_state).toMatchObject({ status: "connected", environment: "testnet", reconnection_count: 0, last_error: null });
      expect(rich.websocket_state!.connected_at).not.toBeNull();
    } finally {
      state.websocket.richState = false;
    }
  });
});

describe("faults show through the real endpoints and clear", () => {
  test("down: a connection error, then the same port answers again", async () => {
    for (const name of SERVICE_NAMES) {
      await services.setFault(name, "down", true);
      expect(await connectionError(`${url[name]}/health`)).toBe("ECONNREFUSED");
    }
    await services.clearFaults();
    for (const name of SERVICE_NAMES) expect((await health(name)).status).toBe("healthy");
  });

  test("unhealthy: status unhealthy, position-manager degraded; HTTP 200 all the same", async () => {
    for (const name of SERVICE_NAMES) await services.setFault(name, "unhealthy", true);
    expect((await health("ws-gateway")).status).toBe("unhealthy");
    expect((await health("model-service")).status).toBe("unhealthy");
    expect((await health("order-manager")).status).toBe("unhealthy");
    expect((await health("position-manager")).status).toBe("degraded");
    for (const name of SERVICE_NAMES) await services.setFault(name, "unhealthy", false);
    for (const name of SERVICE_NAMES) expect((await health(name)).status).toBe("healthy");
  });

  test("degraded: position-manager only", async () => {
    await services.setFault("position-manager", "degraded", true);
    expect((await health("position-manager")).status).toBe("degraded");
    await services.setFault("position-manager", "degraded", false);
    expect((await health("position-manager")).status).toBe("healthy");
    await expect(services.setFault("ws-gateway", "degraded", true)).rejects.toMatchObject({ kind: "badInput" });
  });

  test("slow: the answer takes slowMs, and is quick again once cleared", async () => {
    await services.setFault("model-service", "slow", true);
    let started = performance.now();
    expect((await health("model-service")).status).toBe("healthy");
    expect(performance.now() - started).toBeGreaterThanOrEqual(SLOW_MS - 50);
    await services.setFault("model-service", "slow", false);
    started = performance.now();
    await health("model-service");
    expect(performance.now() - started).toBeLessThan(SLOW_MS / 2);
  }, 10_000);

  test("error500: HTTP 500 with a JSON error body", async () => {
    await services.setFault("order-manager", "error500", true);
    const response = await fetch(`${url["order-manager"]}/health`);
    expect(response.status).toBe(500);
    expect(z.object({ error: z.string() }).safeParse(await response.json()).success).toBe(true);
    await services.setFault("order-manager", "error500", false);
    expect((await health("order-manager")).status).toBe("healthy");
  });

  test("garbage: HTTP 200 with a body that is not JSON", async () => {
    await services.setFault("ws-gateway", "garbage", true);
    const response = await fetch(`${url["ws-gateway"]}/health`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(response.headers.get("content-type")).toContain("text/html");
    await services.setFault("ws-gateway", "garbage", false);
    expect((await health("ws-gateway")).status).toBe("healthy");
  });

  test("database: database_connected false everywhere, ws-gateway unhealthy, position-manager degraded", async () => {
    state.faults.databaseDown = true;
    try {
      const ws = await health("ws-gateway");
      expect(ws).toMatchObject({ status: "unhealthy", database_connected: false, queue_connected: true });
      const model = await health("model-service");
      expect(model).toMatchObject({ status: "unhealthy", database_connected: false, checks: { database: { connected: false, status: "unhealthy" } } });
      expect(model.checks.database.error).toBeTruthy();
      expect(await health("order-manager")).toMatchObject({ status: "unhealthy", database_connected: false });
      expect(await health("position-manager")).toMatchObject({ status: "degraded", database_connected: false });
      expect((await fetch(`${url["ws-gateway"]}/api/v1/subscriptions`, { headers: { "X-API-Key": API_KEYS["ws-gateway"] } })).status).toBe(500);
    } finally {
      state.faults.databaseDown = false;
    }
    for (const name of SERVICE_NAMES) expect(await health(name)).toMatchObject({ status: "healthy", database_connected: true });
  });

  test("queue: queue_connected false everywhere", async () => {
    state.faults.queueDown = true;
    try {
      for (const name of SERVICE_NAMES) expect((await health(name)).queue_connected).toBe(false);
      expect((await health("model-service")).checks.message_queue.connected).toBe(false);
    } finally {
      state.faults.queueDown = false;
    }
    for (const name of SERVICE_NAMES) expect((await health(name)).queue_connected).toBe(true);
  });

  test("a database that really fails reads as database_connected false, not a crash", async () => {
    const [deadPort] = freePorts(1);
    const unreachable = postgres({ host: "127.0.0.1", port: deadPort!, database: "nothing", user: "nobody", connect_timeout: 2, onnotice: () => {} });
    const broken = await startServices({ sql: unreachable, state: newDemoState(), ports: portsOf(freePorts(4)), apiKeys: API_KEYS });
    try {
      const ws = await json(`${broken.urls["ws-gateway"]}/health`, wsGatewayHealth);
      expect(ws).toMatchObject({ status: "unhealthy", database_connected: false, active_subscriptions: 0 });
      const model = await json(`${broken.urls["model-service"]}/health`, modelServiceHealth);
      expect(model.checks.database.error).toBeTruthy();
      expect(await json(`${broken.urls["position-manager"]}/health`, positionManagerHealth)).toMatchObject({ status: "degraded", positions_count: 0 });
    } finally {
      await broken.stop();
      await unreachable.end();
    }
  }, 15_000);

  test("websocket cycling: the status moves, reconnection_count rises, last_error is set; stopping reconnects", async () => {
    state.websocket.richState = true;
    const seen = new Set<string>();
    const stop = cycleWebsocket(state, { stepMs: 60 });
    let last: Health["ws-gateway"] | undefined;
    try {
      // Sample until every phase was seen twice round, or give up after 5 s.
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline && (seen.size < 4 || (last?.websocket_state?.reconnection_count ?? 0) < 2)) {
        last = await health("ws-gateway");
        seen.add(last.websocket_status);
        expect(last.websocket_connected).toBe(last.websocket_status === "connected");
        expect(last.status).toBe("healthy"); // the WebSocket never decides ws-gateway's status
        await Bun.sleep(20);
      }
      expect([...seen].sort()).toEqual(["connected", "connecting", "disconnected", "reconnecting"]);
      expect(last!.websocket_state!.reconnection_count).toBeGreaterThanOrEqual(2);
      expect(last!.websocket_state!.last_error).toBeTruthy();
    } finally {
      stop();
    }
    const after = await health("ws-gateway");
    expect(after.websocket_status).toBe("connected");
    expect(after.websocket_state!.reconnection_count).toBeGreaterThanOrEqual(last!.websocket_state!.reconnection_count);
    state.websocket.richState = false;
  }, 10_000);
});

describe("the control route switches faults from another process", () => {
  let control: ReturnType<typeof startControl>;
  const extraCalls: boolean[] = [];

  beforeAll(() => {
    const [port] = freePorts(1);
    control = startControl({
      port: port!,
      state,
      services,
      websocketStepMs: 50,
      extra: { "backlog:test.queue": async (on) => void extraCalls.push(on) },
    });
  });
  afterAll(() => control?.stop());

  test("service faults: down and degraded through sendFault, listed by GET /faults", async () => {
    await sendFault(control.url, { fault: "down", service: "order-manager", on: true });
    expect(await connectionError(`${url["order-manager"]}/health`)).toBe("ECONNREFUSED");
    const view = await sendFault(control.url, { fault: "degraded", service: "position-manager", on: true });
    expect(view.services["order-manager"]).toEqual(["down"]);
    expect((await health("position-manager")).status).toBe("degraded");
    const listed = (await (await fetch(`${control.url}/faults`)).json()) as typeof view;
    expect(listed.services).toEqual({ "ws-gateway": [], "model-service": [], "order-manager": ["down"], "position-manager": ["degraded"], "feature-service": [], "dashboard-api": [] });

    await sendFault(control.url, { fault: "down", service: "order-manager", on: false });
    await sendFault(control.url, { fault: "degraded", service: "position-manager", on: false });
    expect((await health("order-manager")).status).toBe("healthy");
    expect((await health("position-manager")).status).toBe("healthy");
  });

  test("system faults: database, queue, websocket and the extra knobs; clear undoes them all", async () => {
    await sendFault(control.url, { fault: "database", on: true });
    await sendFault(control.url, { fault: "queue", on: true });
    await sendFault(control.url, { fault: "error500", service: "model-service", on: true });
    await sendFault(control.url, { fault: "down", service: "ws-gateway", on: true });
    const view = await sendFault(control.url, { fault: "backlog:test.queue", on: true });
    expect(view).toMatchObject({ database: true, queue: true, websocket: false, extra: { "backlog:test.queue": true } });
    expect(extraCalls).toEqual([true]);
    expect(await health("position-manager")).toMatchObject({ database_connected: false, queue_connected: false, status: "degraded" });

    await sendFault(control.url, { fault: "websocket", on: true });
    expect(state.websocket.status).not.toBe("connected");
    await eventually("a reconnection of the cycling link", async () => (state.websocket.reconnectionCount > 0 ? true : undefined), 5_000);

    const cleared = await sendFault(control.url, { clear: true });
    expect(cleared).toMatchObject({ database: false, queue: false, websocket: false, extra: { "backlog:test.queue": false } });
    expect(Object.values(cleared.services).flat()).toEqual([]);
    expect(extraCalls).toEqual([true, false]);
    expect(state.websocket.status).toBe("connected");
    for (const name of SERVICE_NAMES) expect(await health(name)).toMatchObject({ status: "healthy", database_connected: true, queue_connected: true });
  });

  test("bad input answers 400 with what was expected", async () => {
    const refused = async (body: Parameters<typeof sendFault>[1]) => {
      try {
        await sendFault(control.url, body);
        return "accepted";
      } catch (error) {
        expect(error).toMatchObject({ kind: "badInput" });
        return (error as Error).message;
      }
    };
    expect(await refused({ fault: "down", on: true })).toContain("needs a service");
    expect(await refused({ fault: "database", service: "ws-gateway", on: true })).toContain("leave \"service\" out");
    expect(await refused({ fault: "meltdown", on: true })).toContain("Unknown fault \"meltdown\"");
    expect(await refused({ fault: "degraded", service: "model-service", on: true })).toContain("no \"degraded\" status");
    expect(await refused({ fault: "slow", service: "nowhere" as ServiceName, on: true })).toContain("service: expected one of");

    const raw = (body: string, contentType = "application/json") =>
      fetch(`${control.url}/faults`, { method: "POST", headers: { "content-type": contentType }, body });
    const notJson = await raw("fault=down");
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toContain("not JSON");
    expect((await raw('{"fault":"queue","on":"yes"}')).status).toBe(400);
    expect((await raw('{"fault":"queue","on":true}', "application/x-www-form-urlencoded")).status).toBe(400);
    expect((await fetch(`${control.url}/faults`)).status).toBe(200);
    expect(state.faults.queueDown).toBe(false);
  });

  test("sendFault to no demo says it is unreachable", async () => {
    const [nobody] = freePorts(1);
    await expect(sendFault(`http://127.0.0.1:${nobody}`, { fault: "queue", on: true })).rejects.toMatchObject({ kind: "unreachable" });
  });
});
