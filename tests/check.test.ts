// `check` on the live demo stack: every panel of both dashboards answers from the real sources, and what
// the operator sees changes as the trading system does (faults, backlogs, new events, variables).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import { firingAlerts } from "../grafana/dashboards/alert-panels.ts";
import type { Config } from "../scripts/lib/config.ts";
import { type CheckOptions, runCheck } from "../scripts/lib/check/run.ts";
import { applyDemoSchema } from "../scripts/lib/demo/schema.ts";
import { runRoleStep } from "../scripts/lib/role/role-step.ts";
import { adminSql, eventually, freeStackPorts, freshDatabase, runCli, settings, useLiveStack } from "./support/live.ts";
import { type HistoryDatabase, historyDatabase } from "./support/demo-history.ts";
import { columnOf, panelOf } from "./support/check-results.ts";

useLiveStack();

const MAIN = "trading-system-monitoring";
const TRACE = "ytrader-signal-trace";
let config: Config;

const check = (options: Partial<CheckOptions> = {}, withConfig = config) =>
  runCheck(withConfig, { dashboards: dashboardDefinitions(), datasources: datasourceDefinitions(withConfig), ...options });

const panel = panelOf;
const column = columnOf;

const fault = async (name: string, service?: string, on = true) => {
  const args = ["scripts/demo.ts", "fault", name, ...(service ? ["--service", service] : []), ...(on ? [] : ["--off"])];
  const run = await runCli(args);
  if (run.code !== 0) throw new Error(`demo fault ${name} failed: ${run.stderr}`);
};

beforeAll(async () => {
  config = settings();
  // The read-only role and the RabbitMQ monitoring user are what Grafana reads as; check uses them too.
  await runRoleStep(config, { rabbitmq: true });
});

afterAll(async () => {
  await runCli(["scripts/demo.ts", "clear"]);
});

describe("every panel on demo data", () => {
  // The data: the history the demo backfills on its first start, in a database of the test's own (not the
  // stack's, whose rows depend on how long its demo has run and on earlier runs).
  let history: HistoryDatabase;
  beforeAll(async () => {
    history = await historyDatabase("check_history", config);
  }, 120_000);
  afterAll(async () => {
    await history?.drop();
  });

  // Written from the spec and the panels' SQL by hand, not read back from the dashboards.
  const expectedColumns: Record<string, string[]> = {
    "Trading signals: last 100": ["signal_id", "timestamp", "strategy_id", "asset", "side", "price", "confidence", "model_version", "warm_up"],
    "Orders: last 100": ["order_id", "signal_id", "created_at", "asset", "side", "order_type", "status", "closure", "quantity", "filled_quantity", "execution_price", "fees", "executed_at", "realized_pnl"],
    "Event history: last 200": ["time", "event_type", "service", "asset", "detail", "signal_id", "order_id", "model_version", "subscription_id"],
    "RabbitMQ queues": ["vhost", "queue", "lagging", "messages", "ready", "unacked", "consumers", "consumer", "publish_rate", "deliver_rate"],
    "Model state per strategy": ["strategy_id", "active_version", "model_type", "trained_at", "age_hours", "warm_up", "last_signal_at"],
    "Model quality per strategy": ["strategy_id", "active_version", "win_rate", "accuracy", "model_total_pnl", "orders", "filled", "fill_rate", "realized_pnl"],
    "WebSocket link details": ["status", "connected", "environment", "connected_at", "connected_seconds", "last_heartbeat", "reconnection_count", "last_error", "active_subscriptions", "source"],
    "Training now": ["training_now", "current_strategy", "current_started_at", "last_strategy", "last_model_version", "last_completed_at", "next_scheduled_at", "queue_size"],
    "Service components and errors": ["service", "status", "database", "queue", "websocket", "storage", "errors", "validation_errors", "discrepancies", "detail"],
    "Active subscriptions": ["channel_type", "requesting_service", "active", "symbols", "last_event_at"],
    "Positions and PnL": ["asset", "mode", "size", "average_entry_price", "current_price", "unrealized_pnl", "realized_pnl", "last_updated"],
  };

  test("both dashboards answer: every panel and variable ok, with its columns and rows, and the health all green", async () => {
    const result = await check({}, history.config);
    const failed = result.panels.filter((r) => !r.ok).map((r) => `${r.panel}: ${r.error}`);
    expect(failed).toEqual([]);
    expect(result.panels.filter((r) => r.dashboard === "Signal trace").length).toBe(4);
    expect(result.panels.filter((r) => r.kind === "variable").map((r) => r.panel)).toEqual(["$strategy", "$asset"]);
    for (const [title, columns] of Object.entries(expectedColumns)) {
      const r = panel(result.panels, title);
      expect({ title, columns: r.columns }).toEqual({ title, columns });
    }
    // Every panel of the main dashboard has data in its default range (the last 24 hours), as someone
    // trying the demo sees it from the first minute; but the alert list, which lists what fires: nothing
    // on the healthy demo.
    const alertList = firingAlerts().build().title;
    const empty = result.panels.filter((r) => r.dashboard !== "Signal trace" && r.panel !== alertList && r.rows === 0).map((r) => r.panel);
    expect(empty).toEqual([]);
    expect(panel(result.panels, "Trading signals: last 100").rows).toBe(100);
    expect(panel(result.panels, "Orders: last 100").rows).toBe(100);
    expect(panel(result.panels, "Event history: last 200").rows).toBe(200);
    expect(panel(result.panels, "Overall health").value).toBe("healthy");
    for (const service of ["ws-gateway", "model-service", "order-manager", "position-manager", "postgresql", "rabbitmq"]) {
      expect({ service, shows: panel(result.panels, service).value }).toEqual({ service, shows: "healthy" });
    }
    expect(panel(result.panels, "Bybit WebSocket").value).toBe("connected");
    // Today's ws-gateway exposes no websocket_state object: the panel says so instead of failing.
    expect(column(panel(result.panels, "WebSocket link details"), "environment")).toEqual(["not exposed by ws-gateway"]);
  });

  test("the signal trace of a backfilled signal that filled: every panel has rows", async () => {
    const [filled] = await history.sql<{ signal_id: string }[]>`SELECT signal_id::text FROM orders WHERE status = 'filled' LIMIT 1`;
    const trace = (await check({ dashboard: TRACE, variables: { signal_id: [filled!.signal_id] } }, history.config)).panels;
    expect(trace.map((r) => [r.panel, r.ok, r.rows > 0]).sort()).toEqual([
      ["Fills and fees", true, true],
      ["Orders of the signal", true, true],
      ["Position now", true, true],
      ["Signal", true, true],
    ]);
  });

  test("on an empty database no panel errors; the tables are simply empty", async () => {
    const db = await freshDatabase("check_empty");
    try {
      await applyDemoSchema(db.sql);
      const empty = { ...config, postgres: { ...config.postgres, database: db.name } };
      await runRoleStep(empty, {});
      const result = await check({}, empty);
      expect(result.panels.filter((r) => !r.ok).map((r) => `${r.panel}: ${r.error}`)).toEqual([]);
      for (const title of ["Trading signals: last 100", "Orders: last 100", "Event history: last 200", "Model state per strategy", "Rejected orders in the range"]) {
        expect({ title, rows: panel(result.panels, title).rows }).toEqual({ title, rows: 0 });
      }
    } finally {
      await db.drop();
    }
  });
});

describe("health", () => {
  const health = async () => (await check({ dashboard: MAIN })).panels;

  test("one unhealthy service makes the overall status unhealthy; every other panel still answers", async () => {
    await fault("unhealthy", "model-service");
    try {
      const panels = await health();
      expect(panel(panels, "Overall health").value).toBe("unhealthy");
      expect(panel(panels, "model-service").value).toBe("unhealthy");
      expect(panel(panels, "order-manager").value).toBe("healthy");
      expect(panels.filter((r) => !r.ok).map((r) => r.panel)).toEqual([]);
    } finally {
      await fault("unhealthy", "model-service", false);
    }
  });

  test("a stopped service is unknown, in its own place; the overall status is unknown, not healthy", async () => {
    await fault("down", "order-manager");
    try {
      const panels = await health();
      const own = panel(panels, "order-manager");
      expect([own.ok, own.value]).toEqual([false, "unknown"]);
      expect(own.error).toContain("order-manager");
      expect(panel(panels, "Overall health").value).toBe("unknown");
      // The failed query hides nothing else: only the panels that read order-manager fail.
      expect(panels.filter((r) => !r.ok).map((r) => r.panel).sort()).toEqual(["Overall health", "Service components and errors", "order-manager"]);
      expect(column(panel(panels, "Service components and errors"), "service")).not.toContain("order-manager");
    } finally {
      await fault("down", "order-manager", false);
    }
  });

  test("position-manager's degraded is not healthy", async () => {
    await fault("degraded", "position-manager");
    try {
      const panels = await health();
      expect(panel(panels, "position-manager").value).toBe("degraded");
      expect(panel(panels, "Overall health").value).toBe("unhealthy");
    } finally {
      await fault("degraded", "position-manager", false);
    }
  });

  test("a service answering garbage or hanging fails only its own panels, within a bounded time", async () => {
    await fault("garbage", "ws-gateway");
    await fault("slow", "position-manager");
    try {
      const started = Date.now();
      const panels = await health();
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(panel(panels, "ws-gateway").value).toBe("unknown");
      expect(panel(panels, "ws-gateway").error).toContain("unable to parse response body as JSON");
      expect(panel(panels, "position-manager").error).toContain("no response received");
      expect(panel(panels, "Trading signals: last 100").ok).toBe(true);
    } finally {
      await fault("garbage", "ws-gateway", false);
      await fault("slow", "position-manager", false);
    }
  }, 60_000);
});

test("the lag flag is true exactly for the backed-up queue; queues without a consumer by design are marked, not flagged", async () => {
  const backedUp = "ws-gateway.ticker";
  await fault(`backlog:${backedUp}`);
  try {
    const lagging = await eventually(
      "the backlog visible in the management API",
      async () => {
        const result = panel((await check({ dashboard: MAIN, panels: ["RabbitMQ queues"] })).panels, "RabbitMQ queues");
        const names = column(result, "queue");
        const vhosts = column(result, "vhost");
        const flags = column(result, "lagging");
        const rows = names.map((name, i) => ({ name, vhost: vhosts[i], lagging: flags[i], consumer: column(result, "consumer")[i] }));
        return rows.some((r) => r.name === backedUp && r.lagging === true) ? rows.filter((r) => r.vhost === "/") : undefined;
      },
      30_000,
    );
    expect(lagging.filter((r) => r.lagging).map((r) => r.name)).toEqual([backedUp]);
    const byDesign = lagging.filter((r) => r.consumer === "no consumer (by design)").map((r) => r.name).sort();
    expect(byDesign).toEqual(["position-manager.portfolio_updated", "position-manager.position_snapshot_created", "ws-gateway.balance", "ws-gateway.liquidation"]);
  } finally {
    await fault(`backlog:${backedUp}`, undefined, false);
  }
}, 60_000);

describe("events the test makes, in a window of their own", () => {
  // A day long ago, in a database of the test's own: the lists (signals, orders, events) are the newest
  // whatever the range, so the demo's live activity would push the test's rows out of them.
  const day = "2020-03-01";
  const window = { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z` };
  const at = (hhmm: string) => `${day} ${hhmm}:00`;
  const strategy = `check-test-${Math.random().toString(36).slice(2, 8)}`;
  const signalId = crypto.randomUUID();
  const otherSignal = crypto.randomUUID();
  const orderIds = { filled: `CHK-${signalId.slice(0, 8)}-F`, cancelled: `CHK-${signalId.slice(0, 8)}-C`, rejected: `REJECTED-${otherSignal}` };
  const version = `${strategy}-v1`;
  const subscriptionTopic = `test.${strategy}`;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: Awaited<ReturnType<typeof freshDatabase>>["sql"];
  let own: Config;

  beforeAll(async () => {
    db = await freshDatabase("check_events");
    sql = db.sql;
    await applyDemoSchema(sql);
    own = { ...config, postgres: { ...config.postgres, database: db.name } };
    await runRoleStep(own, {});
    await sql`INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, "timestamp", model_version)
              VALUES (${signalId}, ${strategy}, 'CHKUSDT', 'buy', 100, 0.9, ${at("10:00")}, ${version}),
                     (${otherSignal}, ${strategy}, 'CHKUSDT', 'sell', 101, 0.6, ${at("10:05")}, ${version})`;
    const [filled] = await sql`INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, status, filled_quantity, average_price, fees, created_at, updated_at, executed_at)
              VALUES (${orderIds.filled}, ${signalId}, 'CHKUSDT', 'Buy', 'Market', 2, 'filled', 2, 100.5, 0.12, ${at("10:01")}, ${at("10:01")}, ${at("10:01")}) RETURNING id`;
    await sql`INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, price, status, created_at, updated_at)
              VALUES (${orderIds.cancelled}, ${signalId}, 'CHKUSDT', 'Buy', 'Limit', 1, 99, 'cancelled', ${at("10:02")}, ${at("10:07")})`;
    await sql`INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, status, rejection_reason, created_at, updated_at)
              VALUES (${orderIds.rejected}, ${otherSignal}, 'CHKUSDT', 'SELL', 'Market', 1, 'rejected', 'insufficient balance', ${at("10:06")}, ${at("10:06")})`;
    await sql`INSERT INTO signal_order_relationships (signal_id, order_id, relationship_type, created_at) VALUES (${signalId}, ${filled!.id}, 'one_to_one', ${at("10:01")})`;
    const [model] = await sql`INSERT INTO model_versions (version, file_path, model_type, strategy_id, trained_at, is_active, created_at, updated_at)
              VALUES (${version}, ${`/models/${version}.json`}, 'xgboost', ${strategy}, ${at("09:00")}, true, ${at("09:00")}, ${at("09:30")}) RETURNING id`;
    await sql`INSERT INTO model_quality_metrics (model_version_id, metric_name, metric_value, metric_type, evaluated_at)
              VALUES (${model!.id}, 'win_rate', 0.55, 'trading_performance', ${at("09:10")}), (${model!.id}, 'accuracy', 0.61, 'classification', ${at("09:10")}),
                     (${model!.id}, 'win_rate', 0.58, 'trading_performance', ${at("12:10")})`;
    await sql`INSERT INTO positions (asset, size, average_entry_price, mode, last_updated) VALUES ('CHKUSDT', 2, 100.5, 'one-way', ${at("10:01")})`;
    await sql`INSERT INTO subscriptions (channel_type, symbol, topic, requesting_service, is_active, created_at, updated_at)
              VALUES ('ticker', 'CHKUSDT', ${subscriptionTopic}, 'model-service', true, ${at("08:00")}, ${at("08:00")}),
                     ('trades', 'CHKUSDT', ${`${subscriptionTopic}.old`}, 'order-manager', false, ${at("08:10")}, ${at("11:00")})`;
  });

  afterAll(async () => {
    await db?.drop();
  });

  const main = async (variables: Record<string, string[]> = {}) => (await check({ dashboard: MAIN, ...window, variables }, own)).panels;

  test("the event history holds each event type produced, newest first, at most 200", async () => {
    const events = panel(await main(), "Event history: last 200");
    expect(events.ok).toBe(true);
    const types = column(events, "event_type");
    for (const type of ["signal_received", "order_created", "order_filled", "order_cancelled", "order_rejected", "model_training_completed", "model_activated", "subscription_created", "subscription_cancelled"]) {
      expect(types).toContain(type);
    }
    const times = column(events, "time") as number[];
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(events.rows).toBeLessThanOrEqual(200);
    const rejected = types.indexOf("order_rejected");
    expect(column(events, "detail")[rejected]).toContain("insufficient balance");
    expect(column(events, "order_id")[rejected]).toBe(orderIds.rejected);
  });

  test("event type and service variables narrow the history (one value, several, All)", async () => {
    const only = column(panel(await main({ event_type: ["order_rejected"] }), "Event history: last 200"), "event_type");
    expect(only).toEqual(["order_rejected"]);
    const two = column(panel(await main({ event_type: ["order_filled", "model_training_completed"] }), "Event history: last 200"), "event_type");
    expect([...new Set(two)].sort()).toEqual(["model_training_completed", "order_filled"]);
    const services = column(panel(await main({ service: ["ws-gateway"] }), "Event history: last 200"), "service");
    expect([...new Set(services)]).toEqual(["ws-gateway"]);
    // Two subscriptions created in the window, one of them cancelled in it.
    expect(services.length).toBe(3);
    const all = panel(await main({ service: ["$__all"] }), "Event history: last 200");
    expect(new Set(column(all, "service")).size).toBe(3);
  }, 30_000);

  test("model quality over time: one series per strategy and metric, named by it alone (time, metric, value), one row per evaluation time", async () => {
    const trend = panel(await main({ strategy: [strategy] }), "Model quality per training");
    expect(trend.ok).toBe(true);
    expect(trend.rows).toBe(2);
    expect(trend.columns[0]).toBe("Time");
    expect(trend.columns.slice(1).sort()).toEqual([`${strategy} accuracy`, `${strategy} win_rate`]);
    expect(column(trend, `${strategy} win_rate`)).toEqual([0.55, 0.58]);
    expect(column(trend, `${strategy} accuracy`)).toEqual([0.61, null]);
  });

  test("orders show how each closed: filled, cancelled, and rejected with its reason; sides as buy/sell", async () => {
    const orders = panel(await main(), "Orders: last 100");
    const byId = Object.fromEntries(column(orders, "order_id").map((id, i) => [id, { closure: column(orders, "closure")[i], side: column(orders, "side")[i] }]));
    expect(byId[orderIds.filled]).toEqual({ closure: "filled", side: "buy" });
    expect(byId[orderIds.cancelled]).toEqual({ closure: "cancelled", side: "buy" });
    expect(byId[orderIds.rejected]).toEqual({ closure: "rejected: insufficient balance", side: "sell" });
  });

  test("strategy and asset variables narrow signals and orders", async () => {
    const mine = await main({ strategy: [strategy] });
    expect(new Set(column(panel(mine, "Trading signals: last 100"), "strategy_id"))).toEqual(new Set([strategy]));
    expect(panel(mine, "Orders: last 100").rows).toBe(3);
    const none = await main({ strategy: ["no-such-strategy"], asset: ["CHKUSDT"] });
    expect(panel(none, "Trading signals: last 100").rows).toBe(0);
    const both = await main({ strategy: [strategy, "no-such-strategy"], asset: ["CHKUSDT", "BTCUSDT"] });
    expect(panel(both, "Trading signals: last 100").rows).toBe(2);
    const otherAsset = await main({ asset: ["BTCUSDT"] });
    expect(panel(otherAsset, "Orders: last 100").rows).toBe(0);
    expect(panel(await main({ asset: ["CHKUSDT"] }), "Orders: last 100").rows).toBe(3);
    // Five whole-dashboard checks: more than the default 5 s on a loaded machine.
  }, 30_000);

  test("the signal trace of a signal shows the signal, its orders both ways, the fill and its fee", async () => {
    const trace = (await check({ dashboard: TRACE, variables: { signal_id: [signalId] } }, own)).panels;
    expect(trace.filter((r) => !r.ok)).toEqual([]);
    expect(column(panel(trace, "Signal"), "signal_id")).toEqual([signalId]);
    const orders = panel(trace, "Orders of the signal");
    const linked = Object.fromEntries(column(orders, "order_id").map((id, i) => [id, column(orders, "linked_by")[i]]));
    expect(linked).toEqual({ [orderIds.filled]: "orders.signal_id + signal_order_relationships", [orderIds.cancelled]: "orders.signal_id" });
    const fills = panel(trace, "Fills and fees");
    expect(fills.rows).toBe(1);
    expect(column(fills, "fees")).toEqual([0.12]);
    expect(column(panel(trace, "Position now"), "size")).toEqual([2]);
  });
});

test("a newer ws-gateway's websocket_state object fills the link details; a dropped link shows disconnected", async () => {
  const { startServices } = await import("../scripts/lib/demo/services.ts");
  const { newDemoState } = await import("../scripts/lib/demo/state.ts");
  const sql = await adminSql();
  const state = newDemoState({ richWebsocketState: true });
  // Ports free now, not fixed ones: another checkout's tests may hold those.
  const free = Object.values(freeStackPorts()).map(Number);
  const ports = { "ws-gateway": free[0]!, "model-service": free[1]!, "order-manager": free[2]!, "position-manager": free[3]! };
  const services = await startServices({ sql, state, ports, apiKeys: { "ws-gateway": "k", "model-service": "k", "order-manager": "k", "position-manager": "k" } });
  try {
    const newer = { ...config, services: { ...config.services, "ws-gateway": { url: services.urls["ws-gateway"] } } };
    const titles = ["Bybit WebSocket", "WebSocket link details"];
    const first = (await check({ dashboard: MAIN, panels: titles }, newer)).panels;
    const details = panel(first, "WebSocket link details");
    expect(details.ok).toBe(true);
    expect([column(details, "environment"), column(details, "source"), column(details, "last_error"), column(details, "reconnection_count")]).toEqual([
      ["testnet"],
      ["websocket_state"],
      ["none"],
      [0],
    ]);
    expect(column(details, "connected_seconds")[0]).toBeGreaterThanOrEqual(0);
    expect(typeof column(details, "last_heartbeat")[0]).toBe("number");

    state.websocket.status = "disconnected";
    state.websocket.connectedAt = null;
    state.websocket.reconnectionCount = 3;
    state.websocket.lastError = "Connection reset by peer";
    const dropped = (await check({ dashboard: MAIN, panels: titles }, newer)).panels;
    expect(panel(dropped, "Bybit WebSocket").value).toBe("disconnected");
    const after = panel(dropped, "WebSocket link details");
    expect([column(after, "connected_seconds"), column(after, "reconnection_count"), column(after, "last_error")]).toEqual([[null], [3], ["Connection reset by peer"]]);
  } finally {
    await services.stop();
    await sql.end();
  }
});
