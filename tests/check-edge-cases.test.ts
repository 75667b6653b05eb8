// The spec's edge cases (issue 21 §3), each on rows the test arranges in a database of its own: the lists are
// the newest whatever the range, every kind of event survives peak rates, training and subscription events,
// warm-up from each strategy's latest signal, model quality over the range with a stated tie order, and a
// signal trace that says what is wrong with its input instead of failing.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import type { Config } from "../scripts/lib/config.ts";
import { type CheckOptions, runCheck } from "../scripts/lib/check/run.ts";
import { columnOf as column, panelOf as panel } from "./support/check-results.ts";
import { useLiveStack } from "./support/live.ts";
import { type ShapedDatabase, shapedDatabase } from "./support/shaped-database.ts";

useLiveStack();

const MAIN = "trading-system-monitoring";
const TRACE = "ytrader-signal-trace";
const EVENTS = "Event history: last 200";

let db: ShapedDatabase["db"];
let config: Config;

const check = (options: Partial<CheckOptions>) =>
  runCheck(config, { dashboards: dashboardDefinitions(), datasources: datasourceDefinitions(config), ...options });
const main = async (window: { from: string; to: string }, variables: Record<string, string[]> = {}) =>
  (await check({ dashboard: MAIN, ...window, variables })).panels;
/** A day as a dashboard range. */
const dayRange = (day: string) => ({ from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z` });
/** The events of a history panel as [type, model version] pairs. */
const eventPairs = (events: ReturnType<typeof panel>) => column(events, "event_type").map((t, i) => [t, column(events, "model_version")[i]]);

beforeAll(async () => {
  // The role step also makes the monitor's events table, which the event history reads.
  ({ db, config } = await shapedDatabase("check_edges"));
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

// Every test arranges all the rows it asserts on.
beforeEach(async () => {
  await db.sql`TRUNCATE trading_signals, orders, signal_order_relationships, model_versions, model_quality_metrics,
    subscriptions, positions, execution_events, monitoring.monitor_events CASCADE`;
}, 30_000);

/** `count` signals of a strategy one second apart from `start`, each with one order a second later. */
async function signalsWithOrders(start: string, count: number, strategy = "edge", status = "filled") {
  await db.sql`
    INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, "timestamp", model_version)
    SELECT gen_random_uuid(), ${strategy}, 'EDGEUSDT', 'buy', 100, 0.7, ${start}::timestamp + i * interval '1 second', 'v91'
    FROM generate_series(0, ${count - 1}) i`;
  await db.sql`
    INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, status, filled_quantity, average_price, created_at, updated_at, executed_at)
    SELECT 'EDGE-' || s.signal_id, s.signal_id, s.asset, 'Buy', 'Market', 1, ${status},
           CASE WHEN ${status} = 'filled' THEN 1 ELSE 0 END, CASE WHEN ${status} = 'filled' THEN 100 END,
           s."timestamp" + interval '1 second', s."timestamp" + interval '1 second',
           CASE WHEN ${status} = 'filled' THEN s."timestamp" + interval '2 seconds' END
    FROM trading_signals s WHERE s.strategy_id = ${strategy}`;
}

describe("quantity over the time range (FR-002, FR-003, FR-019)", () => {
  test("the last 100 signals, 100 orders and 200 events show whatever the range; the time series follow the range", async () => {
    await signalsWithOrders("2019-01-01 00:00:00", 150);
    const elsewhere = await main(dayRange("2021-06-01"));
    expect([panel(elsewhere, "Trading signals: last 100").rows, panel(elsewhere, "Orders: last 100").rows, panel(elsewhere, EVENTS).rows]).toEqual([100, 100, 200]);
    // Newest first: the last signal of the 150 leads.
    expect((column(panel(elsewhere, "Trading signals: last 100"), "timestamp") as number[])[0]).toBe(Date.UTC(2019, 0, 1, 0, 2, 29));
    const hourly = (panels: Awaited<ReturnType<typeof main>>) =>
      (column(panel(panels, "Orders per hour"), "filled") as Array<number | null>).reduce<number>((n, v) => n + (v ?? 0), 0);
    expect(hourly(elsewhere)).toBe(0);
    expect(hourly(await main(dayRange("2019-01-01")))).toBe(150);
  }, 60_000);
});

describe("the event history at peak rates (FR-019)", () => {
  test("an order cancelled 5 minutes after creation still shows when 300 newer orders were created meanwhile", async () => {
    await signalsWithOrders("2019-01-01 00:00:00", 300);
    const [signal] = await db.sql<{ signal_id: string }[]>`
      INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, "timestamp")
      VALUES (gen_random_uuid(), 'edge', 'EDGEUSDT', 'sell', 100, '2018-12-31 23:59:58') RETURNING signal_id::text`;
    await db.sql`INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, price, status, created_at, updated_at)
      VALUES ('EDGE-CANCELLED', ${signal!.signal_id}, 'EDGEUSDT', 'SELL', 'Limit', 1, 99, 'cancelled', '2018-12-31 23:59:59', '2019-01-01 00:04:59')`;
    const events = panel(await main(dayRange("2019-01-01")), EVENTS);
    expect(events.rows).toBe(200);
    const cancelled = column(events, "event_type").indexOf("order_cancelled");
    expect(cancelled).toBeGreaterThanOrEqual(0);
    expect(column(events, "order_id")[cancelled]).toBe("EDGE-CANCELLED");
    expect(new Set(column(events, "event_type"))).toEqual(new Set(["signal_received", "order_created", "order_filled", "order_cancelled"]));
  }, 60_000);
});

describe("training, subscription and connection events (FR-019)", () => {
  test("training started and completed from model versions, the monitor's training events once, subscriptions and the link", async () => {
    await db.sql`INSERT INTO model_versions (version, file_path, model_type, strategy_id, trained_at, training_duration_seconds, training_dataset_size, is_active, updated_at)
      VALUES ('v91', '/models/v91', 'xgboost', 'edge', '2019-02-01 10:00:00', 600, 5000, true, '2019-02-01 10:05:00'),
             ('v90', '/models/v90', 'xgboost', 'edge', '2019-01-20 08:00:00', NULL, NULL, false, '2019-01-20 08:00:00')`;
    await db.sql`INSERT INTO monitoring.monitor_events (occurred_at, subject, state, event_type, service, detail, model_version, monitor) VALUES
      ('2019-02-01 10:00:05', 'model-training', 'completed', 'model_training_completed', 'model-service', 'training completed', 'v91', 'test:1'),
      ('2019-02-02 09:50:00', 'model-training', 'started', 'model_training_started', 'model-service', 'training started for edge', NULL, 'test:1'),
      ('2019-02-02 09:00:00', 'exchange-link', 'disconnected', 'websocket_disconnected', 'ws-gateway', 'Connection reset by peer', NULL, 'test:1')`;
    await db.sql`INSERT INTO subscriptions (channel_type, symbol, topic, requesting_service, is_active, created_at, updated_at)
      VALUES ('ticker', 'EDGEUSDT', 'tickers.EDGEUSDT', 'model-service', true, '2019-01-10 00:00:00', '2019-02-02 00:00:00'),
             ('trades', 'EDGEUSDT', 'publicTrade.EDGEUSDT', 'order-manager', false, '2019-01-11 00:00:00', '2019-01-12 00:00:00')`;
    const events = panel(await main(dayRange("2021-06-01")), EVENTS);
    const times = column(events, "time") as number[];
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const pairs = eventPairs(events);
    expect(pairs).toEqual([
      ["model_training_started", null],
      ["websocket_disconnected", null],
      ["model_activated", "v91"],
      ["model_training_completed", "v91"],
      ["model_training_started", "v91"],
      ["model_training_completed", "v90"],
      ["subscription_cancelled", null],
      ["subscription_created", null],
      ["subscription_created", null],
    ]);
    // Started = trained_at - training_duration_seconds.
    expect(times[4]).toBe(Date.UTC(2019, 1, 1, 9, 50, 0));
    const only = panel(await main(dayRange("2021-06-01"), { event_type: ["model_training_started", "model_training_completed"] }), EVENTS);
    expect(new Set(column(only, "event_type"))).toEqual(new Set(["model_training_started", "model_training_completed"]));
  }, 60_000);
});

describe("model state and quality", () => {
  test("warm-up is the state of each strategy's latest signal, whatever came before it in the range", async () => {
    await db.sql`INSERT INTO model_versions (version, file_path, model_type, strategy_id, trained_at, is_active)
      VALUES ('v81', '/models/a', 'xgboost', 'trained_now', '2019-03-01 01:00:00', true), ('v82', '/models/b', 'xgboost', 'warm_again', '2019-03-01 01:00:00', true),
             ('v83', '/models/c', 'xgboost', 'never_signalled', '2019-03-01 01:00:00', false)`;
    await db.sql`INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, "timestamp", is_warmup, model_version) VALUES
      (gen_random_uuid(), 'trained_now', 'EDGEUSDT', 'buy', 1, '2019-03-01 00:30:00', true, NULL),
      (gen_random_uuid(), 'trained_now', 'EDGEUSDT', 'buy', 1, '2019-03-01 02:00:00', false, 'v81'),
      (gen_random_uuid(), 'warm_again', 'EDGEUSDT', 'buy', 1, '2019-03-01 02:00:00', false, 'v82'),
      (gen_random_uuid(), 'warm_again', 'EDGEUSDT', 'buy', 1, '2019-03-01 03:00:00', true, NULL)`;
    const state = panel(await main(dayRange("2019-03-01")), "Model state per strategy");
    const warm = Object.fromEntries(column(state, "strategy_id").map((s, i) => [s, column(state, "warm_up")[i]]));
    expect(warm).toEqual({ never_signalled: true, trained_now: false, warm_again: true });
  }, 60_000);

  test("orders and fills over the whole range; of evaluations at the same time, test before validation before train, in the trend too", async () => {
    const [model] = await db.sql<{ id: string }[]>`INSERT INTO model_versions (version, file_path, model_type, strategy_id, trained_at, is_active)
      VALUES ('v91', '/models/edge', 'xgboost', 'edge', '2019-03-01 00:00:00', true) RETURNING id`;
    const metric = (name: string, value: number, split: string | null) =>
      db.sql`INSERT INTO model_quality_metrics (model_version_id, metric_name, metric_value, metric_type, evaluated_at, metadata)
        VALUES (${model!.id}, ${name}, ${value}, 'trading_performance', '2019-03-01 00:10:00', ${split === null ? null : db.sql.json({ dataset_split: split })})`;
    // Inserted worst first, so that a tie left to the scan order would pick the wrong one.
    for (const [split, value] of [[null, 0.95], ["train", 0.9], ["validation", 0.8], ["test", 0.7]] as const) await metric("win_rate", value, split);
    for (const [split, value] of [[null, 0.65], ["train", 0.6]] as const) await metric("accuracy", value, split);
    await signalsWithOrders("2019-03-01 01:00:00", 2);
    await signalsWithOrders("2019-03-01 05:30:00", 1, "edge_late");
    await db.sql`UPDATE trading_signals SET strategy_id = 'edge' WHERE strategy_id = 'edge_late'`;
    await db.sql`UPDATE orders SET status = 'cancelled', filled_quantity = 0, executed_at = NULL
      WHERE signal_id = (SELECT signal_id FROM trading_signals WHERE "timestamp" = '2019-03-01 01:00:01')`;
    const panels = await main({ from: "2019-03-01T00:00:00Z", to: "2019-03-01T06:00:00Z" });
    const quality = panel(panels, "Model quality per strategy");
    const row = (name: string) => column(quality, name)[column(quality, "strategy_id").indexOf("edge")];
    expect([row("orders"), row("filled"), row("fill_rate"), row("win_rate"), row("accuracy")]).toEqual([3, 2, 0.6667, 0.7, 0.6]);
    // The trend takes the same one of the tied evaluations: one point per time.
    const trend = panel(panels, "Model quality per training");
    expect([column(trend, "edge win_rate"), column(trend, "edge accuracy")]).toEqual([[0.7], [0.6]]);
  }, 60_000);
});

describe("the signal trace's input", () => {
  const trace = async (signalId: string) => (await check({ dashboard: TRACE, variables: { signal_id: [signalId] } })).panels;

  test("a value that is not a UUID says so, an empty one asks for one; no panel fails", async () => {
    await signalsWithOrders("2019-04-01 00:00:00", 1);
    for (const [input, says] of [
      ["abc", "not a signal id"],
      ["1234' OR '1'='1", "not a signal id"],
      ["", "enter a signal id (a UUID, e.g. from the signals table)"],
    ] as const) {
      const panels = await trace(input);
      expect({ input, failed: panels.filter((p) => !p.ok).map((p) => `${p.panel}: ${p.error}`) }).toEqual({ input, failed: [] });
      expect({ input, says: column(panel(panels, "Signal"), "signal_id") }).toEqual({ input, says: [says] });
      for (const title of ["Orders of the signal", "Fills and fees", "Position now"]) expect({ input, title, rows: panel(panels, title).rows }).toEqual({ input, title, rows: 0 });
    }
    // A real id pasted with spaces around it is still that id.
    const [signal] = await db.sql<{ signal_id: string }[]>`SELECT signal_id::text FROM trading_signals`;
    const found = await trace(`  ${signal!.signal_id} `);
    expect([column(panel(found, "Signal"), "signal_id"), panel(found, "Orders of the signal").rows]).toEqual([[signal!.signal_id], 1]);
  }, 60_000);

  test("a rejection without a reason reads empty everywhere, null or ''; a dry run is worded one way", async () => {
    await signalsWithOrders("2019-04-01 00:00:00", 3, "edge", "rejected");
    await db.sql`UPDATE orders SET rejection_reason = CASE WHEN created_at = '2019-04-01 00:00:01' THEN '' END`;
    await db.sql`UPDATE orders SET status = 'dry_run', is_dry_run = true WHERE created_at = '2019-04-01 00:00:03'`;
    const panels = await main(dayRange("2019-04-01"));
    const orders = panel(panels, "Orders: last 100");
    expect(column(orders, "closure")).toEqual(["dry run", "rejected", "rejected"]);
    const events = panel(panels, EVENTS);
    const details = (type: string) => column(events, "detail").filter((_, i) => column(events, "event_type")[i] === type);
    expect(details("order_rejected")).toEqual(["buy 1.00000000 Market", "buy 1.00000000 Market"]);
    expect(details("order_created")).toEqual(["buy 1.00000000 Market, now dry run", "buy 1.00000000 Market, now rejected", "buy 1.00000000 Market, now rejected"]);
    const rejected = panel(panels, "Rejected orders in the range");
    expect([column(rejected, "reason"), column(rejected, "orders")]).toEqual([[null], [2]]);
    const [first] = await db.sql<{ signal_id: string }[]>`SELECT signal_id::text FROM orders WHERE created_at = '2019-04-01 00:00:01'`;
    const [second] = await db.sql<{ signal_id: string }[]>`SELECT signal_id::text FROM orders WHERE created_at = '2019-04-01 00:00:02'`;
    for (const signal of [first!, second!]) {
      expect(column(panel(await trace(signal.signal_id), "Orders of the signal"), "rejection_reason")).toEqual([null]);
    }
  }, 60_000);
});
