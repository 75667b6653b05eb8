// The bulk seed at a million signals and a million orders (the suite's shared fixture, seeded once per
// stack): counts, consistency with every fact of the real system, and its speed (printed when it seeds, so
// that 10 million can be extrapolated).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { applyDemoSchema } from "../scripts/lib/demo/schema.ts";
import { copyRows } from "../scripts/lib/demo/copy.ts";
import { isNewestShape } from "../scripts/lib/demo/activity-newest.ts";
import { type SeedReport, seedDemo } from "../scripts/lib/demo/seed.ts";
import { FIXTURE, fixtureCopy } from "./support/fixture.ts";
import { freshDatabase, useLiveStack } from "./support/live.ts";

useLiveStack();

const SIGNALS = FIXTURE.signals;
const DAYS = FIXTURE.days;
const DAY_MS = 86_400_000;
let db: Awaited<ReturnType<typeof fixtureCopy>>;
let report: SeedReport;
let seededAt: number;
let progress: Map<string, number>;

/** A TIMESTAMP (without time zone, holding UTC) as epoch milliseconds, whatever this process's time zone. */
const epochMs = (expression: string) => db.sql.unsafe(`(extract(epoch FROM ${expression}) * 1000)::float8`);
const one = async <T>(query: Promise<T[]>): Promise<T> => (await query)[0]!;

describe("seedDemo at 1M signals and 1M orders", () => {
  // The suite's shared fixture (tests/support/fixture.ts): this seed, run once per stack, and what it reported.
  beforeAll(async () => {
    db = await fixtureCopy("demo_seed");
    ({ report, seededAt } = db.seed);
    progress = new Map(Object.entries(db.seed.progress));
  }, 600_000);

  afterAll(async () => {
    await db?.drop();
  });

  test("loads the requested rows and reports every table", async () => {
    const counts = await one(db.sql<{ signals: number; orders: number }[]>`
      SELECT (SELECT count(*)::int FROM trading_signals) AS signals, (SELECT count(*)::int FROM orders) AS orders`);
    expect(counts).toEqual({ signals: SIGNALS, orders: SIGNALS });
    const rows = Object.fromEntries(report.tables.map((t) => [t.table, t.rows]));
    expect(rows.trading_signals).toBe(SIGNALS);
    expect(rows.orders).toBe(SIGNALS);
    expect(rows.signal_order_relationships).toBe(SIGNALS);
    for (const table of ["model_versions", "model_quality_metrics", "positions", "position_snapshots", "subscriptions", "execution_events"]) {
      expect(rows[table]).toBeGreaterThan(0);
    }
    expect(progress.get("orders")).toBe(SIGNALS);
    expect(progress.get("signal_order_relationships")).toBe(SIGNALS);
  });

  test("every order, rejected ones included, has the one relationship order-manager writes", async () => {
    const check = await one(db.sql<Record<string, number>[]>`
      SELECT count(*)::int AS orders,
        count(*) FILTER (WHERE o.status = 'rejected')::int AS rejected,
        count(r.id)::int AS linked,
        count(r.id) FILTER (WHERE o.status = 'rejected')::int AS rejected_linked,
        count(*) FILTER (WHERE r.id IS NOT NULL AND NOT (r.signal_id = o.signal_id AND r.relationship_type = 'one_to_one'
          AND r.execution_sequence = 1 AND r.allocation_amount IS NULL AND r.allocation_quantity IS NULL
          AND r.created_at = o.created_at))::int AS unlike_order_manager,
        (SELECT count(*)::int FROM signal_order_relationships) AS relationships
      FROM orders o LEFT JOIN signal_order_relationships r ON r.order_id = o.id`);
    expect(check.rejected).toBeGreaterThan(0);
    expect(check).toEqual({
      orders: SIGNALS, rejected: check.rejected!, linked: SIGNALS, rejected_linked: check.rejected!, unlike_order_manager: 0, relationships: SIGNALS,
    });
  });

  test("every order belongs to a seeded signal, at most one per signal, with its asset and side", async () => {
    const check = await one(db.sql<{ orphans: number; inconsistent: number; signals: number }[]>`
      SELECT count(*) FILTER (WHERE s.id IS NULL)::int AS orphans,
        count(*) FILTER (WHERE o.asset <> s.asset OR o.side <> CASE s.side WHEN 'buy' THEN 'Buy' ELSE 'SELL' END)::int AS inconsistent,
        count(DISTINCT o.signal_id)::int AS signals
      FROM orders o LEFT JOIN trading_signals s ON s.signal_id = o.signal_id`);
    expect(check).toEqual({ orphans: 0, inconsistent: 0, signals: SIGNALS });
  });

  test("every status occurs, mostly filled, pending only in the last 5 minutes", async () => {
    const rows = await db.sql<{ status: string; n: number; oldest: number }[]>`
      SELECT status, count(*)::int AS n, ${epochMs("min(created_at)")} AS oldest FROM orders GROUP BY status`;
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r]));
    expect(Object.keys(byStatus).sort()).toEqual(["cancelled", "dry_run", "filled", "partially_filled", "pending", "rejected"]);
    expect(byStatus.filled!.n).toBeGreaterThan(SIGNALS / 2);
    expect(byStatus.pending!.oldest).toBeGreaterThanOrEqual(seededAt - 5 * 60_000);
  });

  test("rejected, filled, cancelled and dry-run orders look as order-manager leaves them", async () => {
    const wrong = await one(db.sql<Record<string, number>[]>`
      SELECT
        count(*) FILTER (WHERE status = 'rejected' AND (rejection_reason IS NULL OR order_id <> 'REJECTED-' || signal_id))::int AS rejected,
        count(*) FILTER (WHERE status = 'filled' AND (executed_at IS NULL OR average_price IS NULL OR fees IS NULL
          OR filled_quantity <> quantity))::int AS filled,
        count(*) FILTER (WHERE status = 'partially_filled' AND NOT (filled_quantity > 0 AND filled_quantity < quantity))::int AS partial,
        count(*) FILTER (WHERE status = 'cancelled' AND updated_at < created_at + interval '5 minutes')::int AS cancelled,
        count(*) FILTER (WHERE is_dry_run <> (status = 'dry_run'))::int AS dry_run,
        count(*) FILTER (WHERE status IN ('pending', 'cancelled', 'rejected', 'dry_run') AND executed_at IS NOT NULL)::int AS executed,
        count(*) FILTER (WHERE order_type = 'Market' AND price IS NOT NULL)::int AS market_price
      FROM orders`);
    expect(wrong).toEqual({ rejected: 0, filled: 0, partial: 0, cancelled: 0, dry_run: 0, executed: 0, market_price: 0 });
  });

  test("signals span the last days asked for over several strategies and assets, warm-up a minority", async () => {
    const shape = await one(db.sql<{ first: number; last: number; strategies: number; assets: number; warmup: number; warmup_mismatch: number }[]>`
      SELECT ${epochMs('min("timestamp")')} AS first, ${epochMs('max("timestamp")')} AS last, count(DISTINCT strategy_id)::int AS strategies,
        count(DISTINCT asset)::int AS assets, count(*) FILTER (WHERE is_warmup)::int AS warmup,
        count(*) FILTER (WHERE is_warmup <> (model_version IS NULL))::int AS warmup_mismatch
      FROM trading_signals`);
    expect(shape.first).toBeGreaterThanOrEqual(seededAt - DAYS * DAY_MS - 60_000);
    expect(shape.first).toBeLessThan(seededAt - (DAYS - 0.1) * DAY_MS);
    expect(shape.last).toBeLessThanOrEqual(seededAt + 60_000);
    expect(shape.last).toBeGreaterThan(seededAt - 60_000);
    expect(shape.strategies).toBeGreaterThanOrEqual(3);
    expect(shape.assets).toBeGreaterThanOrEqual(3);
    expect(shape.warmup).toBeGreaterThan(0);
    expect(shape.warmup).toBeLessThan(SIGNALS / 4);
    expect(shape.warmup_mismatch).toBe(0);
  });

  test("signals name existing model versions that were trained before them; one active model per strategy and symbol", async () => {
    // model_versions.symbol is the newest shape's (032); a December model is every symbol's.
    const symbol = (await isNewestShape(db.sql)) ? db.sql`symbol` : db.sql`NULL::text`;
    const check = await one(db.sql<{ unknown: number; too_early: number; multiple_active: number; without_metrics: number }[]>`
      SELECT
        (SELECT count(*)::int FROM trading_signals s LEFT JOIN model_versions m ON m.version = s.model_version
          WHERE s.model_version IS NOT NULL AND m.id IS NULL) AS unknown,
        (SELECT count(*)::int FROM trading_signals s JOIN model_versions m ON m.version = s.model_version
          WHERE m.trained_at > s."timestamp" OR m.strategy_id <> s.strategy_id) AS too_early,
        (SELECT count(*)::int FROM (SELECT strategy_id, ${symbol} FROM model_versions WHERE is_active GROUP BY 1, 2 HAVING count(*) > 1) x) AS multiple_active,
        -- The newest shape's per-symbol models (seed-newest.ts) come without metrics.
        (SELECT count(*)::int FROM model_versions m WHERE ${symbol} IS NULL AND NOT EXISTS (SELECT 1 FROM model_quality_metrics q WHERE q.model_version_id = m.id)) AS without_metrics`);
    expect(check).toEqual({ unknown: 0, too_early: 0, multiple_active: 0, without_metrics: 0 });
  });

  test("open positions have a 5-minute snapshot history with snapshot_data; old execution_events have realized_pnl JSON null", async () => {
    const check = await one(db.sql<{ positions: number; snapshots_each: number; numeric_pnl: number; closed: number }[]>`
      SELECT (SELECT count(*)::int FROM positions) AS positions,
        -- The fixture has the newest shape: only open positions are snapshotted, so the positions open all along.
        (SELECT min(n)::int FROM (SELECT count(*) AS n FROM position_snapshots s JOIN positions p ON p.id = s.position_id
                                  WHERE p.closed_at IS NULL GROUP BY position_id) x) AS snapshots_each,
        (SELECT count(*)::int FROM execution_events WHERE jsonb_typeof(performance->'realized_pnl') <> 'null') AS numeric_pnl,
        (SELECT count(*)::int FROM positions WHERE closed_at IS NOT NULL AND size = 0) AS closed`);
    expect(check.positions).toBeGreaterThanOrEqual(4);
    // A snapshot every 5 minutes while the position is not flat (the newest position-manager snapshots open
    // positions only): most of the marks of the history.
    expect(check.snapshots_each).toBeGreaterThanOrEqual(DAYS * 288 * 0.5);
    expect(check.numeric_pnl).toBe(0);
    expect(check.closed).toBeGreaterThanOrEqual(1);
  });

  test("the keys and indexes dropped for the load are all back", async () => {
    const rows = await db.sql<{ tablename: string; n: number }[]>`
      SELECT tablename, count(*)::int AS n FROM pg_indexes
      WHERE tablename IN ('trading_signals', 'orders', 'signal_order_relationships') GROUP BY 1 ORDER BY 1`;
    // The newest shape has orders' target_timestamp index and trading_signals' four of 030 and 046 beyond December's.
    const newest = await isNewestShape(db.sql);
    expect(rows.map((r) => `${r.tablename} ${r.n}`)).toEqual(newest ? ["orders 7", "signal_order_relationships 5", "trading_signals 11"] : ["orders 6", "signal_order_relationships 5", "trading_signals 7"]);
    const constraints = await db.sql<{ definition: string }[]>`
      SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
      WHERE conrelid = 'signal_order_relationships'::regclass AND contype IN ('f', 'u') ORDER BY 1`;
    expect(constraints.map((c) => c.definition)).toEqual(["FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE CASCADE", "UNIQUE (signal_id, order_id)"]);
  });

  test("a second seed into the same database is refused", async () => {
    await expect(seedDemo(db.sql, { signals: 10 })).rejects.toMatchObject({ kind: "badInput" });
  });

});

describe("copyRows", () => {
  let small: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    small = await freshDatabase("demo_copy");
    await applyDemoSchema(small.sql);
  });
  afterAll(async () => {
    await small?.drop();
  });

  test("a COPY the server rejects after its last row fails instead of hanging", async () => {
    // The duplicate key surfaces only when PostgreSQL flushes the rows at COPY's end, where the client
    // loses the server's message (porsager/postgres#1173): our own message says so.
    const row = (version: string) => [version, `/models/x/${version}.pkl`, "xgboost"];
    await small.sql`INSERT INTO model_versions (version, file_path, model_type) VALUES ('v1', '/models/x/v1.pkl', 'xgboost')`;
    await expect(copyRows(small.sql, "model_versions", ["version", "file_path", "model_type"], [row("v1")])).rejects.toThrow(/COPY into model_versions failed on the server/);
  }, 30_000);

  test("a row breaking a CHECK fails the COPY, naming the table, and loads nothing", async () => {
    const columns = ["order_id", "signal_id", "asset", "side", "order_type", "quantity"];
    // side must be 'Buy' or 'SELL' (exactly this casing). The client loses the server's SQLSTATE for a
    // COPY (porsager/postgres#1173), so the assertion is on our message, not on any error.
    const rows = [[crypto.randomUUID(), crypto.randomUUID(), "BTCUSDT", "buy", "Market", 0.01]];
    await expect(copyRows(small.sql, "orders", columns, rows)).rejects.toThrow(/COPY into orders failed on the server/);
    const [{ n }] = (await small.sql`SELECT count(*)::int AS n FROM orders`) as unknown as [{ n: number }];
    expect(n).toBe(0);
  }, 30_000);
});

describe("seedDemo options", () => {
  test("fewer orders than signals go to distinct signals; orders above signals are refused", async () => {
    const small = await freshDatabase("demo_seed_small");
    try {
      await applyDemoSchema(small.sql);
      await expect(seedDemo(small.sql, { signals: 10, orders: 11 })).rejects.toMatchObject({ kind: "badInput" });
      await seedDemo(small.sql, { signals: 10_000, orders: 4_000, days: 2 });
      const counts = await one(small.sql<{ signals: number; orders: number; distinct: number; relationships: number }[]>`
        SELECT (SELECT count(*)::int FROM trading_signals) AS signals, count(*)::int AS orders,
          count(DISTINCT signal_id)::int AS distinct, (SELECT count(*)::int FROM signal_order_relationships) AS relationships
        FROM orders`);
      expect(counts).toEqual({ signals: 10_000, orders: 4_000, distinct: 4_000, relationships: 4_000 });
    } finally {
      await small.drop();
    }
  }, 60_000);
});
