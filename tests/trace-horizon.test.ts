// The signal trace finds the horizon close of the signal's position: order-manager closes a position whose
// order's target_timestamp passed with a reduce-only order of a fresh signal id (no trading_signals row, no
// relationship row), which position_orders links to the same position. Seeded by hand on both shapes, each
// in a database of its own with the read-only role and the views; the other positions' closes stay out.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import type { Config } from "../scripts/lib/config.ts";
import { runCheck } from "../scripts/lib/check/run.ts";
import type { DemoShape } from "../scripts/lib/demo/schema.ts";
import { panelOf, rowsOf } from "./support/check-results.ts";
import { type freshDatabase, useLiveStack } from "./support/live.ts";
import { shapedDatabase } from "./support/shaped-database.ts";

useLiveStack();

const at = (hhmm: string) => `2020-04-03 ${hhmm}:00`;

interface Seeded {
  db: Awaited<ReturnType<typeof freshDatabase>>;
  config: Config;
  /** A signal whose position a horizon close closed; one whose horizon close's fill came before its order
   *  row (linked by the exchange's order id); one whose later position another horizon close closed. */
  signals: { closed: string; byExchangeId: string; later: string };
}

async function seed(shape: DemoShape): Promise<Seeded> {
  const { db, config } = await shapedDatabase("trace_horizon", shape);
  const sql = db.sql;
  const signals = { closed: crypto.randomUUID(), byExchangeId: crypto.randomUUID(), later: crypto.randomUUID() };
  const order = async (orderId: string, signalId: string, asset: string, side: string, time: string, related: boolean) => {
    const [row] = await sql`
      INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, status, filled_quantity, average_price, fees, created_at, updated_at, executed_at)
      VALUES (${orderId}, ${signalId}, ${asset}, ${side}, 'Market', 1, 'filled', 1, 100, 0.1, ${at(time)}, ${at(time)}, ${at(time)}) RETURNING id`;
    if (related) await sql`INSERT INTO signal_order_relationships (signal_id, order_id, relationship_type) VALUES (${signalId}, ${row!.id}, 'one_to_one')`;
    return row!.id as string;
  };
  const signal = (id: string, asset: string, time: string) =>
    sql`INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, "timestamp", model_version)
        VALUES (${id}, 'trend', ${asset}, 'buy', 100, 0.9, ${at(time)}, 'v7')`;
  await signal(signals.closed, "BTCUSDT", "10:00");
  await signal(signals.later, "BTCUSDT", "10:30");
  await signal(signals.byExchangeId, "ETHUSDT", "10:00");
  const opened = await order("EX-1", signals.closed, "BTCUSDT", "Buy", "10:00", true);
  const later = await order("EX-3", signals.later, "BTCUSDT", "Buy", "10:30", true);
  const eth = await order("EX-4", signals.byExchangeId, "ETHUSDT", "Buy", "10:00", true);
  if (shape === "newest") {
    // The horizon closes: a fresh signal id each, no signal row, no relationship row.
    const horizon = await order("EX-H1", crypto.randomUUID(), "BTCUSDT", "SELL", "10:16", false);
    const laterHorizon = await order("EX-H2", crypto.randomUUID(), "BTCUSDT", "SELL", "10:46", false);
    await order("EX-H3", crypto.randomUUID(), "ETHUSDT", "SELL", "10:16", false);
    const position = async (asset: string, opens: string, closes: string) => {
      const [row] = await sql`INSERT INTO positions (asset, mode, size, realized_pnl, unrealized_pnl, created_at, closed_at, exit_price, last_updated)
                              VALUES (${asset}, 'one-way', 0, 1, 0, ${at(opens)}, ${at(closes)}, 101, ${at(closes)}) RETURNING id`;
      return row!.id as string;
    };
    const first = await position("BTCUSDT", "10:00", "10:16");
    const second = await position("BTCUSDT", "10:30", "10:46");
    const ethPosition = await position("ETHUSDT", "10:00", "10:16");
    const link = (positionId: string, orderId: string | null, bybit: string, type: string, delta: number, time: string) =>
      sql`INSERT INTO position_orders (position_id, order_id, relationship_type, size_delta, execution_price, executed_at, bybit_order_id)
          VALUES (${positionId}, ${orderId}, ${type}, ${delta}, 100, ${at(time)}, ${bybit})`;
    await link(first, opened, "EX-1", "opened", 1, "10:00");
    await link(first, horizon, "EX-H1", "closed", -1, "10:16");
    await link(second, later, "EX-3", "opened", 1, "10:30");
    await link(second, laterHorizon, "EX-H2", "closed", -1, "10:46");
    await link(ethPosition, eth, "EX-4", "opened", 1, "10:00");
    // The close's fill came before its order row: linked by the exchange's order id alone.
    await link(ethPosition, null, "EX-H3", "closed", -1, "10:16");
  } else {
    // December: the reused row per asset, closed; no position_orders.
    await sql`INSERT INTO positions (asset, mode, size, realized_pnl, unrealized_pnl, created_at, closed_at, last_updated)
              VALUES ('BTCUSDT', 'one-way', 0, 2, 0, ${at("10:00")}, ${at("10:46")}, ${at("10:46")})`;
  }
  return { db, config, signals };
}

const trace = async (s: Seeded, signalId: string) => {
  const result = await runCheck(s.config, {
    dashboards: dashboardDefinitions(),
    datasources: datasourceDefinitions(s.config),
    dashboard: "ytrader-signal-trace",
    panels: ["Orders of the signal", "Position now"],
    variables: { signal_id: [signalId] },
  });
  const [orders, position] = ["Orders of the signal", "Position now"].map((t) => panelOf(result.panels, t));
  expect([orders!.error ?? null, position!.error ?? null]).toEqual([null, null]);
  return { orders: rowsOf(orders!, ["order_id", "linked_by"]), position: rowsOf(position!, ["asset", "found_by", "closed_by", "closing_order"]) };
};

/** The database of `shape`, seeded before the block's tests and dropped after them. */
function seededFor(shape: DemoShape): () => Seeded {
  let s: Seeded | undefined;
  beforeAll(async () => {
    s = await seed(shape);
  }, 60_000);
  afterAll(async () => {
    await s?.db.drop();
  });
  return () => s!;
}

describe("newest shape", () => {
  const seeded = seededFor("newest");

  /** The signal's own order, then the horizon close, marked; its position says the close closed it. */
  const closedAtHorizon = async (signalId: string, own: string, close: string, asset: string) => {
    const { orders, position } = await trace(seeded(), signalId);
    expect(orders).toEqual([
      { order_id: own, linked_by: "orders.signal_id + signal_order_relationships" },
      { order_id: close, linked_by: "horizon close of its position" },
    ]);
    expect(position).toEqual([{ asset, found_by: "its orders (position_orders)", closed_by: "horizon close", closing_order: close }]);
  };

  test("the horizon close that closed the signal's position is among its orders, marked, and the position says it closed it", async () => {
    await closedAtHorizon(seeded().signals.closed, "EX-1", "EX-H1", "BTCUSDT");
  });

  test("the later position's own horizon close is the later signal's, not the first one's", async () => {
    const { orders, position } = await trace(seeded(), seeded().signals.later);
    expect(orders.map((o) => o.order_id)).toEqual(["EX-3", "EX-H2"]);
    expect(position.map((p) => p.closing_order)).toEqual(["EX-H2"]);
  });

  test("a horizon close whose fill came before its order row is found by the exchange's order id", async () => {
    await closedAtHorizon(seeded().signals.byExchangeId, "EX-4", "EX-H3", "ETHUSDT");
  });
});

describe("December shape", () => {
  const seeded = seededFor("2025-12");

  test("no position_orders: the signal's own orders only, and the reused row's close is not recorded", async () => {
    const { orders, position } = await trace(seeded(), seeded().signals.closed);
    expect(orders).toEqual([{ order_id: "EX-1", linked_by: "orders.signal_id + signal_order_relationships" }]);
    expect(position).toEqual([{ asset: "BTCUSDT", found_by: "asset", closed_by: "not recorded", closing_order: null }]);
  });
});
