// The demo in the newest schema shape writes rows the way the newest services do: its backfill and its
// live activity (at 60x pace) in a database of the test's own, then what the tables hold: rejected signals
// (below the threshold, holds stored as buy) never ordered, horizons on accepted signals and their orders,
// per-symbol models, positions as a history linked by position_orders, horizon closes with a signal id that
// has no signal row, closed_positions and a 053 copy, snapshots with snapshot_data and NULL PnL columns.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { applyDemoSchema } from "../scripts/lib/demo/schema.ts";
import { backfillDemo } from "../scripts/lib/demo/backfill.ts";
import { startActivity } from "../scripts/lib/demo/activity.ts";
import { newDemoState } from "../scripts/lib/demo/state.ts";
import { eventually, freshDatabase, useLiveStack } from "./support/live.ts";

useLiveStack();

let db: Awaited<ReturnType<typeof freshDatabase>>;
let errors = 0;
/** The newest order the backfill wrote: the activity's orders come after it. */
let backfillEnd = "";

beforeAll(async () => {
  db = await freshDatabase("demo_newest");
  await applyDemoSchema(db.sql, "newest");
  const backfill = await backfillDemo(db.sql, { hours: 3 });
  expect(backfill.backfilled).toBe(true);
  const [end] = await db.sql`SELECT max(created_at)::text AS at FROM orders`;
  backfillEnd = end!.at as string;
  const activity = await startActivity({ sql: db.sql, state: newDemoState(), pace: 60 });
  try {
    await activity.trainNow();
    await activity.trainNow();
    // Until the activity has closed a position at its horizon (order-manager's task runs every second at 60x).
    await eventually("a horizon close", async () => {
      const [row] = await db.sql`
        SELECT count(*)::int AS n FROM orders o
        WHERE o.created_at > timezone('utc', now()) - interval '10 minutes'
          AND NOT EXISTS (SELECT 1 FROM trading_signals s WHERE s.signal_id = o.signal_id)`;
      return row!.n > 0 ? row!.n : undefined;
    }, 90_000);
  } finally {
    await activity.stop();
    errors = activity.stats.errorCount;
  }
}, 180_000);

afterAll(async () => {
  await db?.drop();
});

test("no statement failed", () => {
  expect(errors).toBe(0);
});

test("rejected signals: both reasons, holds stored as buy, a threshold, never ordered; accepted ones carry a horizon", async () => {
  const [s] = await db.sql`
    SELECT count(*) FILTER (WHERE is_rejected AND rejection_reason = 'confidence_below_threshold')::int AS below,
           count(*) FILTER (WHERE is_rejected AND rejection_reason = 'regression_hold_prediction')::int AS holds,
           count(*) FILTER (WHERE rejection_reason = 'regression_hold_prediction' AND side <> 'buy')::int AS holds_not_buy,
           count(*) FILTER (WHERE is_rejected AND effective_threshold IS NULL)::int AS without_threshold,
           count(*) FILTER (WHERE is_rejected AND EXISTS (SELECT 1 FROM orders o WHERE o.signal_id = trading_signals.signal_id))::int AS ordered,
           count(*) FILTER (WHERE NOT is_rejected AND target_timestamp IS NULL)::int AS accepted_without_horizon
    FROM trading_signals`;
  expect(s!.below).toBeGreaterThan(0);
  expect(s!.holds).toBeGreaterThan(0);
  expect([s!.holds_not_buy, s!.without_threshold, s!.ordered, s!.accepted_without_horizon]).toEqual([0, 0, 0, 0]);
});

test("orders of accepted signals carry their signal's horizon; horizon closes have no signal row, no relationship, no horizon", async () => {
  const [o] = await db.sql`
    SELECT count(*) FILTER (WHERE s.signal_id IS NOT NULL AND o.target_timestamp IS DISTINCT FROM s.target_timestamp)::int AS wrong_horizon,
           count(*) FILTER (WHERE s.signal_id IS NULL)::int AS closes,
           count(*) FILTER (WHERE s.signal_id IS NULL AND (o.target_timestamp IS NOT NULL OR o.order_type <> 'Market'
             OR EXISTS (SELECT 1 FROM signal_order_relationships r WHERE r.signal_id = o.signal_id)))::int AS odd_closes
    FROM orders o LEFT JOIN trading_signals s ON s.signal_id = o.signal_id`;
  expect(o!.wrong_horizon).toBe(0);
  expect(o!.closes).toBeGreaterThan(0);
  expect(o!.odd_closes).toBe(0);
});

test("models: one strategy active for two symbols at once, never two for one strategy and symbol", async () => {
  const [m] = await db.sql`
    SELECT (SELECT max(n)::int FROM (SELECT count(DISTINCT symbol) AS n FROM model_versions WHERE is_active AND symbol IS NOT NULL GROUP BY strategy_id) x) AS symbols,
           (SELECT count(*)::int FROM (SELECT 1 FROM model_versions WHERE is_active GROUP BY strategy_id, symbol HAVING count(*) > 1) x) AS doubled`;
  expect(m!.symbols).toBeGreaterThanOrEqual(2);
  expect(m!.doubled).toBe(0);
});

test("positions: a history, at most one open row per asset and mode, closed rows without live price, every fill linked", async () => {
  const [p] = await db.sql`
    SELECT (SELECT max(n)::int FROM (SELECT count(*) AS n FROM positions GROUP BY asset, mode) x) AS rows_per_asset,
           (SELECT max(n)::int FROM (SELECT count(*) AS n FROM positions WHERE closed_at IS NULL GROUP BY asset, mode) x) AS open_per_asset,
           (SELECT count(*)::int FROM positions WHERE closed_at IS NOT NULL AND (size <> 0 OR (current_price IS NOT NULL AND source IS NULL AND exit_price IS NOT NULL))) AS bad_closed,
           (SELECT count(*)::int FROM positions WHERE source = 'migration_from_closed_positions') AS migrated,
           (SELECT count(*)::int FROM closed_positions) AS closed_positions,
           (SELECT count(*)::int FROM orders o WHERE o.status = 'filled' AND o.created_at > ${backfillEnd}::timestamp
              AND NOT EXISTS (SELECT 1 FROM position_orders po WHERE po.order_id = o.id)) AS unlinked_fills`;
  expect(p!.rows_per_asset).toBeGreaterThan(1);
  expect(p!.open_per_asset).toBe(1);
  expect([p!.bad_closed, p!.unlinked_fills]).toEqual([0, 0]);
  expect(p!.migrated).toBe(1);
  expect(p!.closed_positions).toBeGreaterThanOrEqual(1);
});

test("snapshots: open positions only, snapshot_data with the PnL as text, the PnL columns NULL", async () => {
  const [n] = await db.sql`
    SELECT count(*)::int AS snapshots,
           count(*) FILTER (WHERE unrealized_pnl IS NOT NULL OR realized_pnl IS NOT NULL)::int AS with_columns,
           count(*) FILTER (WHERE jsonb_typeof(snapshot_data -> 'unrealized_pnl') <> 'string')::int AS without_text_pnl
    FROM position_snapshots`;
  expect(n!.snapshots).toBeGreaterThan(0);
  expect([n!.with_columns, n!.without_text_pnl]).toEqual([0, 0]);
});
