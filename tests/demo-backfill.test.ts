// The demo's backfill on its first start: the last 24 hours of what its live activity writes, at its
// rates; once only (a database with history is never backfilled), all or nothing, and stated in the log.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { isFailure } from "../scripts/lib/errors.ts";
import { RATES } from "../scripts/lib/demo/activity-steps.ts";
import { startActivity } from "../scripts/lib/demo/activity.ts";
import { type Backfill, backfillDemo, describeBackfill } from "../scripts/lib/demo/backfill.ts";
import { startDemo } from "../scripts/lib/demo/index.ts";
import { ASSET_NAMES, REJECTION_REASONS, STRATEGIES, TRAINED_STRATEGIES } from "../scripts/lib/demo/market.ts";
import { applyDemoSchema } from "../scripts/lib/demo/schema.ts";
import { newDemoState } from "../scripts/lib/demo/state.ts";
import { freeStackPorts, freshDatabase, freshVhost, runCli, settings, useLiveStack } from "./support/live.ts";

useLiveStack();

const HOUR = 3_600_000;
type Db = Awaited<ReturnType<typeof freshDatabase>>;
let db: Db;
let backfill: Extract<Backfill, { backfilled: true }>;
let calledAt: number;

/** A TIMESTAMP (without time zone, holding UTC) as epoch milliseconds, whatever this process's time zone. */
const epochMs = (sql: Db["sql"], expression: string) => sql.unsafe(`(extract(epoch FROM ${expression}) * 1000)::float8`);
const one = async <T>(query: Promise<T[]>): Promise<T> => (await query)[0]!;
const emptySchema = async (prefix: string) => {
  const fresh = await freshDatabase(prefix);
  // The December shape, whose rates these tests state (the newest shape's are in tests/demo-newest.test.ts).
  await applyDemoSchema(fresh.sql, "2025-12");
  return fresh;
};
const signalCount = async (sql: Db["sql"]) => (await one(sql<{ n: number }[]>`SELECT count(*)::int AS n FROM trading_signals`)).n;

beforeAll(async () => {
  db = await emptySchema("backfill");
  calledAt = Date.now();
  const result = await backfillDemo(db.sql);
  if (!result.backfilled) throw new Error(`not backfilled: ${describeBackfill(result)}`);
  backfill = result;
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

describe("the backfill of an empty database", () => {
  test("the last 24 hours at a signal a second, an order for 9 in 10; the report matches the tables and names the span", async () => {
    expect(backfill.to).toBeLessThanOrEqual(calledAt);
    expect(backfill.to).toBeGreaterThan(calledAt - 15_000);
    expect(backfill.to - backfill.from).toBe(24 * HOUR);
    const signals = 24 * 3600 * RATES.signalsPerSecond;
    const reported = Object.fromEntries(backfill.tables.map((t) => [t.table, t.rows]));
    expect(reported).toMatchObject({ trading_signals: signals, orders: Math.round(signals * RATES.orderShare) });
    for (const [table, rows] of Object.entries(reported)) {
      const counted = await one(db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ${db.sql(table)}`);
      expect({ table, rows: counted.n }).toEqual({ table, rows });
    }
    const span = await one(db.sql<{ first: number; last: number }[]>`
      SELECT ${epochMs(db.sql, 'min("timestamp")')} AS first, ${epochMs(db.sql, 'max("timestamp")')} AS last FROM trading_signals`);
    expect(span.first).toBeGreaterThanOrEqual(backfill.from);
    expect(span.first).toBeLessThan(backfill.from + 1_000);
    expect(span.last).toBeLessThanOrEqual(backfill.to);
    expect(span.last).toBeGreaterThan(backfill.to - 1_000);
    // Evenly: every hour of the 24 holds its 3600 signals (give or take the one on each boundary).
    const hours = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM trading_signals
      GROUP BY floor((${epochMs(db.sql, '"timestamp"')} - ${backfill.from}) / ${HOUR})`;
    expect(hours.length).toBe(24);
    for (const { n } of hours) expect(Math.abs(n - 3600)).toBeLessThanOrEqual(1);

    const line = describeBackfill(backfill);
    expect(line).toMatch(/^backfilled 24 h of history \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\) in [\d.]+ s: /);
    expect(line).toContain(`trading_signals ${signals}, orders ${Math.round(signals * RATES.orderShare)}`);
  });

  test("orders close as the live activity's do: filled, partly filled, cancelled by the 5-minute sweep, rejected with a reason, dry run", async () => {
    const rows = await db.sql<{ status: string; n: number; newest_created: number }[]>`
      SELECT status, count(*)::int AS n, ${epochMs(db.sql, "max(created_at)")} AS newest_created FROM orders GROUP BY status`;
    const shares = Object.fromEntries(rows.map((r) => [r.status, r.n / backfill.tables.find((t) => t.table === "orders")!.rows]));
    const sent = 1 - RATES.rejected - RATES.dryRun;
    expect(shares.filled).toBeCloseTo(sent * (1 - RATES.partial - RATES.stillPending), 1);
    expect(shares.partially_filled).toBeCloseTo(sent * RATES.partial, 1);
    expect(shares.cancelled).toBeCloseTo(sent * RATES.stillPending, 1);
    expect(shares.rejected).toBeCloseTo(RATES.rejected, 1);
    expect(shares.dry_run).toBeCloseTo(RATES.dryRun, 1);
    // Pending only where the sweep has not come yet: created in the last 5 minutes.
    const oldestPending = await one(db.sql<{ at: number | null }[]>`SELECT ${epochMs(db.sql, "min(created_at)")} AS at FROM orders WHERE status = 'pending'`);
    if (oldestPending.at !== null) expect(oldestPending.at).toBeGreaterThan(backfill.to - 5 * 60_000 - 5_000);
    const odd = await one(db.sql<Record<string, number>[]>`
      SELECT count(*) FILTER (WHERE status = 'cancelled' AND updated_at <> created_at + interval '5 minutes')::int AS cancelled,
        count(*) FILTER (WHERE status = 'rejected' AND (order_id NOT LIKE 'REJECTED-%' OR NOT rejection_reason = ANY (${[...REJECTION_REASONS]})))::int AS rejected,
        count(*) FILTER (WHERE status = 'dry_run' AND NOT (is_dry_run AND order_id LIKE 'DRY-%'))::int AS dry_run,
        count(*) FILTER (WHERE status IN ('filled', 'partially_filled') AND (executed_at IS NULL OR fees IS NULL OR filled_quantity <= 0))::int AS fills,
        count(*) FILTER (WHERE status = 'partially_filled' AND filled_quantity >= quantity)::int AS partial
      FROM orders`);
    expect(odd).toEqual({ cancelled: 0, rejected: 0, dry_run: 0, fills: 0, partial: 0 });
  });

  test("models: a training an hour with a dozen metrics, one active model per strategy at most; signals name the model active when made", async () => {
    const models = await db.sql<{ strategy_id: string; is_active: boolean; metrics: number; trained_at: number }[]>`
      SELECT m.strategy_id, m.is_active, (SELECT count(*)::int FROM model_quality_metrics q WHERE q.model_version_id = m.id) AS metrics,
        ${epochMs(db.sql, "m.trained_at")} AS trained_at
      FROM model_versions m ORDER BY m.trained_at`;
    // The first an hour after the history starts (as the live activity's first), then hourly: 23 in 24 hours.
    expect(models.length).toBe(23);
    models.forEach((model, i) => expect(Math.round((model.trained_at - backfill.from) / HOUR)).toBe(i + 1));
    expect(new Set(models.map((m) => m.metrics))).toEqual(new Set([12]));
    expect(new Set(models.map((m) => m.strategy_id)).size).toBeGreaterThan(1);
    for (const strategy of TRAINED_STRATEGIES) expect(models.filter((m) => m.strategy_id === strategy.id && m.is_active).length).toBeLessThanOrEqual(1);
    const versions = await db.sql<{ version: string }[]>`SELECT version FROM model_versions ORDER BY trained_at`;
    expect(versions.map((v) => v.version)).toEqual(models.map((_, i) => `v${i + 1}`));

    const signals = await one(db.sql<Record<string, number>[]>`
      SELECT count(*) FILTER (WHERE s.model_version IS NOT NULL AND (m.id IS NULL OR m.strategy_id <> s.strategy_id OR m.trained_at > s."timestamp"))::int AS wrong_model,
        count(*) FILTER (WHERE s.is_warmup <> (s.model_version IS NULL))::int AS wrong_warmup,
        count(*) FILTER (WHERE s.strategy_id = ${STRATEGIES.find((s) => !s.modelType)!.id} AND NOT s.is_warmup)::int AS untrained_with_model,
        count(*) FILTER (WHERE s."timestamp" < ${new Date(models[0]!.trained_at).toISOString().replace("T", " ").replace("Z", "")}::timestamp AND NOT s.is_warmup)::int AS before_first_training,
        count(*) FILTER (WHERE NOT s.is_warmup)::int AS with_model
      FROM trading_signals s LEFT JOIN model_versions m ON m.version = s.model_version`);
    expect(signals).toMatchObject({ wrong_model: 0, wrong_warmup: 0, untrained_with_model: 0, before_first_training: 0 });
    expect(signals.with_model).toBeGreaterThan(0);
  });

  test("positions with a snapshot every 5 minutes, one one-way row per asset; subscriptions churned every 2 minutes", async () => {
    const oneWay = await db.sql<{ asset: string }[]>`SELECT asset FROM positions WHERE mode = 'one-way' ORDER BY asset`;
    expect(oneWay.map((p) => p.asset)).toEqual([...ASSET_NAMES].sort());
    const snapshots = await db.sql<{ n: number; first: number; last: number }[]>`
      SELECT count(*)::int AS n, ${epochMs(db.sql, "min(snapshot_timestamp)")} AS first, ${epochMs(db.sql, "max(snapshot_timestamp)")} AS last
      FROM position_snapshots GROUP BY position_id`;
    for (const s of snapshots) {
      expect(s.n).toBe(24 * 12 + 1);
      expect(s.last - s.first).toBe(24 * HOUR);
    }
    const subscriptions = await one(db.sql<Record<string, number>[]>`
      SELECT count(*) FILTER (WHERE is_active)::int AS active, count(*) FILTER (WHERE NOT is_active)::int AS cancelled,
        count(*) FILTER (WHERE updated_at > timezone('utc', now()) OR created_at > updated_at)::int AS out_of_order
      FROM subscriptions`);
    expect(subscriptions).toEqual({ active: 15, cancelled: 24 * 30, out_of_order: 0 });
  });

  test("the live activity carries on from it: the next training is the next version, no statement fails", async () => {
    const activity = await startActivity({ sql: db.sql, state: newDemoState(), pace: 100 });
    try {
      await activity.trainNow(TRAINED_STRATEGIES[0]!.id);
    } finally {
      await activity.stop();
    }
    expect(activity.stats.errors).toEqual([]);
    const active = await db.sql<{ version: string }[]>`SELECT version FROM model_versions WHERE strategy_id = ${TRAINED_STRATEGIES[0]!.id} AND is_active`;
    expect(active.map((m) => m.version)).toEqual(["v24"]);
  });
});

describe("once only, all or nothing", () => {
  test("a second backfill writes nothing; nor does one on a database with any history", async () => {
    const before = await signalCount(db.sql);
    const again = await backfillDemo(db.sql);
    expect(again).toEqual({ backfilled: false, tablesWithHistory: ["trading_signals", "orders", "model_versions", "positions"] });
    expect(describeBackfill(again)).toBe("no backfill: the database already holds history (trading_signals, orders, model_versions, positions)");
    expect(await signalCount(db.sql)).toBe(before);

    const other = await emptySchema("backfill_used");
    try {
      await other.sql`INSERT INTO positions (asset, size, mode) VALUES ('BTCUSDT', 0, 'one-way')`;
      expect(await backfillDemo(other.sql, { hours: 1 })).toEqual({ backfilled: false, tablesWithHistory: ["positions"] });
      expect(await signalCount(other.sql)).toBe(0);
    } finally {
      await other.drop();
    }
  });

  test("two starts at once: one backfills, the other waits for it and finds its history", async () => {
    const both = await emptySchema("backfill_race");
    try {
      const results = await Promise.all([backfillDemo(both.sql, { hours: 1 }), backfillDemo(both.sql, { hours: 1 })]);
      expect(results.map((r) => r.backfilled).sort()).toEqual([false, true]);
      expect(await signalCount(both.sql)).toBe(3600);
    } finally {
      await both.drop();
    }
  }, 60_000);

  test("a backfill that fails on its last table leaves nothing; bad hours are refused and change nothing", async () => {
    const failing = await emptySchema("backfill_fail");
    try {
      // New rows of subscriptions (the last table written) all fail this check.
      await failing.sql`ALTER TABLE subscriptions ADD CONSTRAINT t_refuse_all CHECK (false) NOT VALID`;
      await expect(backfillDemo(failing.sql, { hours: 1 })).rejects.toThrow();
      const left = await one(failing.sql<Record<string, number>[]>`
        SELECT (SELECT count(*)::int FROM trading_signals) AS signals, (SELECT count(*)::int FROM orders) AS orders,
          (SELECT count(*)::int FROM model_versions) AS models, (SELECT count(*)::int FROM positions) AS positions`);
      expect(left).toEqual({ signals: 0, orders: 0, models: 0, positions: 0 });
      // Keys and indexes dropped for the load came back with the rollback.
      const indexes = await one(failing.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'trading_signals'`);
      expect(indexes.n).toBeGreaterThan(5);

      for (const hours of [0, -1, 24 * 7 + 1, Number.NaN]) expect(isFailure(await backfillDemo(failing.sql, { hours }).catch((e: unknown) => e), "badInput")).toBe(true);
      const refused = await runCli(["scripts/demo.ts", "run", "--backfill-hours", "1000"]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("--backfill-hours must be a number in (0, 168]");

      await failing.sql`ALTER TABLE subscriptions DROP CONSTRAINT t_refuse_all`;
      expect((await backfillDemo(failing.sql, { hours: 1 })).backfilled).toBe(true);
    } finally {
      await failing.drop();
    }
  }, 60_000);
});

test("the demo backfills on its first start and says so; restarted, it finds the history and writes nothing", async () => {
  const fresh = await freshDatabase("backfill_demo");
  const vhost = await freshVhost("backfill_demo");
  const free = Object.values(freeStackPorts()).map(Number);
  const ports = { "ws-gateway": free[0]!, "model-service": free[1]!, "order-manager": free[2]!, "position-manager": free[3]! };
  const config = { ...settings(), postgres: { ...settings().postgres, database: fresh.name } };
  const run = async (backfillHours?: number) => {
    const lines: string[] = [];
    const demo = await startDemo({ config, ports, controlPort: free[4]!, vhost: vhost.name, backfillHours, schema: "2025-12", log: (line) => lines.push(line) });
    await demo.stop();
    return lines.filter((line) => /^(no )?backfill/.test(line));
  };
  try {
    const first = await run(2);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/^backfilled 2 h of history \(.+ UTC\) in [\d.]+ s: model_versions 1, model_quality_metrics 12, trading_signals 7200, orders 6480, /);
    expect(await run()).toEqual(["no backfill: the database already holds history (trading_signals, orders, model_versions, positions)"]);
    expect(await run(0)).toEqual([]);
  } finally {
    await fresh.drop();
    await vhost.delete();
  }
}, 120_000);
