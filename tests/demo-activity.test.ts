import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { applyDemoSchema } from "../scripts/lib/demo/schema.ts";
import { type Activity, startActivity } from "../scripts/lib/demo/activity.ts";
import { TRAINED_STRATEGIES } from "../scripts/lib/demo/market.ts";
import { newDemoState } from "../scripts/lib/demo/state.ts";
import { freshDatabase } from "./support/live.ts";

// At pace 20 the 5-minute pending timeout is 15 s and position snapshots come every 15 s: 45 s of
// activity shows every status path once.
const PACE = 20;
const TRAINED_STRATEGY = TRAINED_STRATEGIES[0]!.id;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let activity: Activity;
let retiredAt: string;
const published: { queue: string; message: unknown }[] = [];

beforeAll(async () => {
  db = await freshDatabase("activity");
  await db.sql`SET TIME ZONE 'UTC'`;
  await applyDemoSchema(db.sql);
  activity = await startActivity({ sql: db.sql, state: newDemoState(), pace: PACE, publisher: { publish: (queue, message) => published.push({ queue, message }) } });
  await Bun.sleep(8_000);
  await activity.trainNow(TRAINED_STRATEGY);
  await Bun.sleep(20_000);
  await activity.retireNow(TRAINED_STRATEGY);
  [{ now: retiredAt }] = (await db.sql`SELECT timezone('utc', now())::text AS now`) as unknown as [{ now: string }];
  await Bun.sleep(17_000);
  await activity.stop();
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

describe("demo activity at 20x pace", () => {
  test("no statement failed: every CHECK constraint held", () => {
    expect(activity.stats.errors).toEqual([]);
    expect(activity.stats.signals).toBeGreaterThan(500);
  });

  test("warm-up stretches when a strategy has no active model, model stretches when it has one", async () => {
    const rows = await db.sql`
      SELECT is_warmup, model_version IS NULL AS no_model, count(*)::int AS n
      FROM trading_signals WHERE strategy_id = ${TRAINED_STRATEGY} GROUP BY 1, 2`;
    const byKind = Object.fromEntries(rows.map((r) => [`${r.is_warmup}/${r.no_model}`, r.n]));
    expect(byKind["true/true"]).toBeGreaterThan(0);
    expect(byKind["false/false"]).toBeGreaterThan(0);
    expect(byKind["true/false"]).toBeUndefined();
    expect(byKind["false/true"]).toBeUndefined();
    // After the model was dropped, a new warm-up stretch.
    const [after] = await db.sql`
      SELECT count(*) FILTER (WHERE is_warmup)::int AS warmup, count(*) FILTER (WHERE NOT is_warmup)::int AS modelled
      FROM trading_signals WHERE strategy_id = ${TRAINED_STRATEGY} AND timestamp > ${retiredAt}::timestamp + interval '1 second'`;
    expect(after!.warmup).toBeGreaterThan(0);
    expect(after!.modelled).toBe(0);
  });

  test("orders follow the real status paths, one per signal at most", async () => {
    const statuses = await db.sql`SELECT status, count(*)::int AS n FROM orders GROUP BY status`;
    const seen = Object.fromEntries(statuses.map((r) => [r.status, r.n]));
    for (const status of ["filled", "partially_filled", "cancelled", "rejected", "dry_run"]) expect(seen[status] ?? 0).toBeGreaterThan(0);
    const [bad] = await db.sql`
      SELECT
        count(*) FILTER (WHERE status = 'rejected' AND (rejection_reason IS NULL OR order_id NOT LIKE 'REJECTED-%'))::int AS rejected_without_reason,
        count(*) FILTER (WHERE status = 'filled' AND (executed_at IS NULL OR average_price IS NULL OR fees IS NULL OR filled_quantity <> quantity))::int AS incomplete_fills,
        count(*) FILTER (WHERE status = 'cancelled' AND executed_at IS NOT NULL)::int AS cancelled_with_fill,
        count(*) FILTER (WHERE side NOT IN ('Buy', 'SELL'))::int AS odd_side
      FROM orders`;
    expect(bad).toEqual({ rejected_without_reason: 0, incomplete_fills: 0, cancelled_with_fill: 0, odd_side: 0 });
    const [dupes] = await db.sql`SELECT count(*)::int AS n FROM (SELECT signal_id FROM orders GROUP BY signal_id HAVING count(*) > 1) d`;
    expect(dupes!.n).toBe(0);
    const [orphans] = await db.sql`SELECT count(*)::int AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM trading_signals s WHERE s.signal_id = o.signal_id)`;
    expect(orphans!.n).toBe(0);
    // order-manager links every order it creates, rejected ones included: one_to_one, execution_sequence 1.
    const [links] = await db.sql`
      SELECT count(*)::int AS orders, count(*) FILTER (WHERE o.status = 'rejected')::int AS rejected,
        count(*) FILTER (WHERE (SELECT count(*) FROM signal_order_relationships r WHERE r.order_id = o.id AND r.signal_id = o.signal_id
          AND r.relationship_type = 'one_to_one' AND r.execution_sequence = 1) = 1)::int AS linked_once,
        (SELECT count(*)::int FROM signal_order_relationships) AS relationships
      FROM orders o`;
    expect(links!.rejected).toBeGreaterThan(0);
    expect(links!.linked_once).toBe(links!.orders);
    expect(links!.relationships).toBe(links!.orders);
  });

  test("a training makes a model with a dozen quality metrics; dropping it deactivates it", async () => {
    const models = await db.sql`SELECT id, version, is_active, updated_at > created_at AS retired FROM model_versions WHERE strategy_id = ${TRAINED_STRATEGY}`;
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ is_active: false, retired: true });
    const [metrics] = await db.sql`SELECT count(*)::int AS n FROM model_quality_metrics WHERE model_version_id = ${models[0]!.id}`;
    expect(metrics!.n).toBeGreaterThanOrEqual(10);
    expect(published.some((p) => p.queue === "features.dataset.ready")).toBe(true);
  });

  test("positions carry PnL and get periodic snapshots", async () => {
    const positions = await db.sql`SELECT id, asset, realized_pnl, last_snapshot_at FROM positions`;
    expect(positions.length).toBeGreaterThan(0);
    expect(positions.some((p) => Number(p.realized_pnl) !== 0)).toBe(true);
    const [snapshots] = await db.sql`SELECT count(*)::int AS n FROM position_snapshots s JOIN positions p ON p.id = s.position_id`;
    expect(snapshots!.n).toBeGreaterThanOrEqual(positions.length);
  });

  test("subscriptions churn, and active rows have fresh last_event_at as in reality", async () => {
    const [counts] = await db.sql`
      SELECT count(*) FILTER (WHERE is_active)::int AS active, count(*) FILTER (WHERE NOT is_active)::int AS cancelled,
        max(timezone('utc', now()) - last_event_at) FILTER (WHERE is_active) < interval '30 seconds' AS fresh
      FROM subscriptions`;
    expect(counts!.active).toBeGreaterThan(5);
    expect(counts!.cancelled).toBeGreaterThan(0);
    expect(counts!.fresh).toBe(true);
  });

  test("execution_events hold only old history, realized_pnl mostly JSON null", async () => {
    const [events] = await db.sql`
      SELECT count(*)::int AS n,
        count(*) FILTER (WHERE jsonb_typeof(performance->'realized_pnl') = 'number')::int AS numeric_pnl,
        max(executed_at) < timezone('utc', now()) - interval '30 days' AS old
      FROM execution_events`;
    expect(events!.n).toBeGreaterThan(0);
    expect(events!.numeric_pnl).toBeGreaterThan(0);
    expect(events!.numeric_pnl).toBeLessThan(events!.n / 2);
    expect(events!.old).toBe(true);
  });

  test("order, position and signal events went to their queues", () => {
    const queues = new Set(published.map((p) => p.queue));
    for (const queue of ["model-service.trading_signals", "order-manager.order_events", "position-manager.position_updated", "position-manager.position_snapshot_created"]) {
      expect(queues.has(queue)).toBe(true);
    }
  });
});
