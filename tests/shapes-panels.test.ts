// The panels on both schema shapes (the demo's December 2025 shape and the newest), each in a database of
// its own with the read-only role and the canonical views the role step builds there: the cases that made
// panels lie on the newest system are seeded by hand (rejected and hold signals, two models of one
// strategy for two symbols, a reopened position, a row migrated from closed_positions, a horizon close,
// NULL PnL) and what each panel shows is asserted. Then a column a panel needs goes missing: check and
// setup name it with the panels it breaks.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import type { Config } from "../scripts/lib/config.ts";
import { type CheckOptions, runCheck } from "../scripts/lib/check/run.ts";
import { columnOf, panelOf, rowsOf } from "./support/check-results.ts";
import { type DemoShape, applyDemoSchema } from "../scripts/lib/demo/schema.ts";
import { freshDatabase, runCli, useLiveStack } from "./support/live.ts";
import { shapedDatabase } from "./support/shaped-database.ts";

useLiveStack();

const MAIN = "trading-system-monitoring";
const TRACE = "ytrader-signal-trace";
const day = "2020-04-02";
const window = { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z` };
const at = (hhmm: string) => `${day} ${hhmm}:00`;


interface Shaped {
  shape: DemoShape;
  db: Awaited<ReturnType<typeof freshDatabase>>;
  config: Config;
  ids: { accepted: string; belowThreshold: string; hold: string; horizonClose: string };
}

async function shaped(shape: DemoShape): Promise<Shaped> {
  const { db, config } = await shapedDatabase("shapes_panels", shape);
  const ids = { accepted: crypto.randomUUID(), belowThreshold: crypto.randomUUID(), hold: crypto.randomUUID(), horizonClose: crypto.randomUUID() };
  const sql = db.sql;
  await sql`INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, "timestamp", model_version)
            VALUES (${ids.accepted}, 'trend', 'BTCUSDT', 'sell', 100, 0.9, ${at("10:00")}, 'v7')`;
  const [order] = await sql`INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, status, filled_quantity, average_price, fees, created_at, updated_at, executed_at)
            VALUES ('EX-1', ${ids.accepted}, 'BTCUSDT', 'SELL', 'Market', 1, 'filled', 1, 100, 0.1, ${at("10:00")}, ${at("10:00")}, ${at("10:00")}) RETURNING id`;
  await sql`INSERT INTO signal_order_relationships (signal_id, order_id, relationship_type) VALUES (${ids.accepted}, ${order!.id}, 'one_to_one')`;
  await sql`INSERT INTO model_versions (version, file_path, model_type, strategy_id, trained_at, is_active) VALUES ('v7', '/models/v7/model.json', 'xgboost', 'trend', ${at("09:00")}, true)`;
  if (shape === "newest") {
    // Rejected after the accepted one: below the threshold, and a hold stored with side buy.
    await sql`INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, "timestamp", model_version, is_rejected, rejection_reason, effective_threshold)
              VALUES (${ids.belowThreshold}, 'trend', 'BTCUSDT', 'sell', 100, 0.5, ${at("10:05")}, 'v7', true, 'confidence_below_threshold', 0.75),
                     (${ids.hold}, 'trend', 'BTCUSDT', 'buy', 100, 0.8, ${at("10:06")}, 'v7', true, 'regression_hold_prediction', 0.75)`;
    // Two models of one strategy for two symbols.
    await sql`UPDATE model_versions SET symbol = 'BTCUSDT' WHERE version = 'v7'`;
    await sql`INSERT INTO model_versions (version, file_path, model_type, strategy_id, symbol, trained_at, is_active) VALUES ('v8', '/models/v8/model.json', 'xgboost', 'trend', 'ETHUSDT', ${at("09:30")}, true)`;
    // BTCUSDT: closed at 11:00 (its row kept), then reopened; the sell order moved the closed one.
    const [closed] = await sql`INSERT INTO positions (asset, mode, size, realized_pnl, unrealized_pnl, created_at, closed_at, exit_price, last_updated)
              VALUES ('BTCUSDT', 'one-way', 0, 5, 0, ${at("09:00")}, ${at("11:00")}, 105, ${at("11:00")}) RETURNING id`;
    await sql`INSERT INTO positions (asset, mode, size, average_entry_price, current_price, unrealized_pnl, realized_pnl, created_at, last_updated)
              VALUES ('BTCUSDT', 'one-way', 2, 101, 102, 2, 0, ${at("12:00")}, ${at("12:00")})`;
    await sql`INSERT INTO position_orders (position_id, order_id, relationship_type, size_delta, execution_price, executed_at, bybit_order_id)
              VALUES (${closed!.id}, ${order!.id}, 'decreased', -1, 100, ${at("10:00")}, 'EX-1')`;
    // ETHUSDT: a close of the 040..052 window, its row copied by 053 (close-time price and PnL kept).
    const migrated = crypto.randomUUID();
    await sql`INSERT INTO closed_positions (original_position_id, asset, mode, average_entry_price, exit_price, current_price, realized_pnl, unrealized_pnl_at_close, opened_at, closed_at, version)
              VALUES (${migrated}, 'ETHUSDT', 'one-way', 3000, 3100, 3100, 7, 7, ${at("08:00")}, ${at("09:00")}, 2)`;
    await sql`INSERT INTO positions (id, asset, mode, size, average_entry_price, current_price, exit_price, unrealized_pnl, realized_pnl, created_at, closed_at, last_updated, source)
              VALUES (${migrated}, 'ETHUSDT', 'one-way', 0, 3000, 3100, 3100, 7, 7, ${at("08:00")}, ${at("09:00")}, ${at("09:00")}, 'migration_from_closed_positions')`;
    // order-manager's horizon close: a fresh signal id with no signal row and no relationship row.
    await sql`INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, status, filled_quantity, average_price, created_at, updated_at, executed_at)
              VALUES ('EX-2', ${ids.horizonClose}, 'BTCUSDT', 'Buy', 'Market', 1, 'filled', 1, 104, ${at("10:55")}, ${at("10:55")}, ${at("10:55")})`;
    await sql`UPDATE orders SET target_timestamp = ${at("10:50")} WHERE order_id = 'EX-1'`;
  } else {
    // December: the reused row, closed, its realized PnL Bybit's running total; an open row with NULL PnL.
    await sql`INSERT INTO positions (asset, mode, size, realized_pnl, created_at, closed_at, last_updated) VALUES ('BTCUSDT', 'one-way', 0, 40, ${at("09:00")}, ${at("11:00")}, ${at("11:00")})`;
    await sql`INSERT INTO positions (asset, mode, size, average_entry_price, current_price, created_at, last_updated) VALUES ('ETHUSDT', 'one-way', 1, 3000, 3050, ${at("12:00")}, ${at("12:00")})`;
  }
  return { shape, db, config, ids };
}

const check = (s: Shaped, options: Partial<CheckOptions>) =>
  runCheck(s.config, { dashboards: dashboardDefinitions(), datasources: datasourceDefinitions(s.config), dashboard: MAIN, ...window, ...options });
const one = async (s: Shaped, title: string, variables: Record<string, string[]> = {}) => {
  const [result] = (await check(s, { panels: [title], variables })).panels.filter((r) => r.panel === title);
  expect({ panel: title, error: result!.error }).toEqual({ panel: title, error: null });
  return result!;
};

let newest: Shaped;
let december: Shaped;

beforeAll(async () => {
  newest = await shaped("newest");
  december = await shaped("2025-12");
}, 120_000);

afterAll(async () => {
  await newest?.db.drop();
  await december?.db.drop();
});

describe("the newest shape", () => {
  test("signals: rejected ones are left out by default; shown, a hold reads hold, with its reason", async () => {
    const shown = await one(newest, "Trading signals: last 100");
    expect(columnOf(shown, "signal_id")).toEqual([newest.ids.accepted]);
    const all = await one(newest, "Trading signals: last 100", { rejected: ["shown"] });
    expect(rowsOf(all, ["side", "rejected"])).toEqual([
      { side: "hold", rejected: "regression_hold_prediction" },
      { side: "sell", rejected: "confidence_below_threshold" },
      { side: "sell", rejected: null },
    ]);
  });

  test("rejections by reason: one row per reason with its threshold", async () => {
    const rejections = await one(newest, "Signal rejections by reason");
    expect(rowsOf(rejections, ["reason", "signals", "threshold"]).sort((a, b) => String(a.reason).localeCompare(String(b.reason)))).toEqual([
      { reason: "confidence_below_threshold", signals: 1, threshold: 0.75 },
      { reason: "regression_hold_prediction", signals: 1, threshold: 0.75 },
    ]);
  });

  test("model state: one row per strategy and symbol, the last signal the last accepted one", async () => {
    const state = await one(newest, "Model state per strategy");
    const rows = rowsOf(state, ["strategy_id", "symbol", "active_version", "last_signal_at"]);
    expect(rows.map((r) => [r.strategy_id, r.symbol, r.active_version])).toEqual([
      ["trend", "BTCUSDT", "v7"],
      ["trend", "ETHUSDT", "v8"],
    ]);
    // 10:00 (the accepted signal), not 10:06 (the rejected hold); the ETHUSDT model has no signal of its symbol.
    expect(rows.map((r) => r.last_signal_at)).toEqual([Date.parse(`${day}T10:00:00Z`), null]);
  });

  test("model quality: the strategy's orders once, not once per model", async () => {
    const quality = await one(newest, "Model quality per strategy", {});
    const rows = rowsOf(quality, ["strategy_id", "symbol", "orders"]);
    expect(rows.map((r) => [r.strategy_id, r.symbol])).toEqual([["trend", "BTCUSDT"], ["trend", "ETHUSDT"]]);
    expect([rows[0]!.orders, rows[1]!.orders]).toEqual([1, null]);
  });

  test("positions: one row per asset and mode, open first; closed in the range with realized PnL; no close-time price as live", async () => {
    const positions = await one(newest, "Positions and PnL");
    expect(rowsOf(positions, ["asset", "state", "current_price", "unrealized_pnl", "closed_in_range", "realized_pnl_in_range", "pnl_basis"])).toEqual([
      { asset: "BTCUSDT", state: "open", current_price: 102, unrealized_pnl: 2, closed_in_range: 1, realized_pnl_in_range: 5, pnl_basis: "per position" },
      // 053's copy: not shown as live price and unrealized PnL.
      { asset: "ETHUSDT", state: "closed", current_price: null, unrealized_pnl: null, closed_in_range: 1, realized_pnl_in_range: 7, pnl_basis: "per position" },
    ]);
  });

  test("orders: the horizon close is marked, the horizon shown", async () => {
    const orders = await one(newest, "Orders: last 100");
    expect(rowsOf(orders, ["order_id", "origin", "target_timestamp"])).toEqual([
      { order_id: "EX-2", origin: "horizon close", target_timestamp: null },
      { order_id: "EX-1", origin: "signal", target_timestamp: Date.parse(`${day}T10:50:00Z`) },
    ]);
  });

  test("event history: signal_rejected and position_closed events; rejected signals are not signal_received", async () => {
    const events = await one(newest, "Event history: last 200");
    const types = columnOf(events, "event_type") as string[];
    expect(types.filter((t) => t === "signal_received")).toHaveLength(1);
    expect(types.filter((t) => t === "signal_rejected")).toHaveLength(2);
    expect(types.filter((t) => t === "position_closed")).toHaveLength(2);
  });

  test("signal trace: the position the signal's order moved, through position_orders (the closed one, not today's)", async () => {
    const result = await check(newest, { dashboard: TRACE, from: undefined, to: undefined, variables: { signal_id: [newest.ids.accepted] } });
    const position = panelOf(result.panels, "Position now");
    expect(rowsOf(position, ["asset", "size", "current_price", "found_by"])).toEqual([
      { asset: "BTCUSDT", size: 0, current_price: null, found_by: "its orders (position_orders)" },
    ]);
  });
});

describe("the December 2025 shape", () => {
  test("signals: every signal shown (none is rejected there), no rejections", async () => {
    expect(columnOf(await one(december, "Trading signals: last 100"), "signal_id")).toEqual([december.ids.accepted]);
    expect((await one(december, "Signal rejections by reason")).rows).toBe(0);
  });

  test("positions: the reused rows, the realized PnL said to be cumulative, NULL PnL empty", async () => {
    const positions = await one(december, "Positions and PnL");
    expect(rowsOf(positions, ["asset", "state", "unrealized_pnl", "closed_in_range", "realized_pnl_in_range", "pnl_basis"])).toEqual([
      { asset: "ETHUSDT", state: "open", unrealized_pnl: null, closed_in_range: 0, realized_pnl_in_range: null, pnl_basis: "cumulative" },
      { asset: "BTCUSDT", state: "closed", unrealized_pnl: null, closed_in_range: 1, realized_pnl_in_range: 40, pnl_basis: "cumulative" },
    ]);
  });

  test("model state: one row for the strategy's model of every symbol", async () => {
    const rows = rowsOf(await one(december, "Model state per strategy"), ["strategy_id", "symbol", "active_version"]);
    expect(rows).toEqual([{ strategy_id: "trend", symbol: "all", active_version: "v7" }]);
  });

  test("signal trace: without position_orders, the position of the signal's asset, found by asset", async () => {
    const result = await check(december, { dashboard: TRACE, from: undefined, to: undefined, variables: { signal_id: [december.ids.accepted] } });
    // BTCUSDT's reused row, closed now: the asset's position as it is.
    expect(rowsOf(panelOf(result.panels, "Position now"), ["asset", "size", "found_by"])).toEqual([{ asset: "BTCUSDT", size: 0, found_by: "asset" }]);
  });
});

describe("an unknown shape", () => {
  test("a column a panel needs is missing: check names the column and the panels, setup's role step says it", async () => {
    const db = await freshDatabase("shapes_unknown");
    try {
      await applyDemoSchema(db.sql, "newest");
      const env = { ...process.env, POSTGRES_DB: db.name };
      expect((await runCli(["scripts/role.ts"], env)).code).toBe(0);
      await db.sql`ALTER TABLE positions DROP COLUMN closed_at CASCADE`;
      const checked = await runCli(["scripts/check.ts", "--panel", "Positions and PnL"], env);
      expect(checked.code).toBe(1);
      expect(checked.stdout).toContain("unknown shape: column positions.closed_at is missing, so view monitoring.positions is not built");
      expect(checked.stdout).toMatch(/panels it breaks: .*Trading system monitoring \/ Positions and PnL.*Signal trace \/ Position now/);
      // setup stops at its role step, before any dashboard could show the broken panels as data.
      const setup = await runCli(["scripts/setup.ts", "--env-file", "/dev/null"], env);
      expect(setup.code).toBe(1);
      expect(setup.stdout).toMatch(/role\s+FAILED\s+unknown schema shape: column positions\.closed_at missing \(breaks .*Positions and PnL/);
      expect(setup.stdout).not.toMatch(/^provision/m);
    } finally {
      await db.drop();
    }
  }, 60_000);
});
