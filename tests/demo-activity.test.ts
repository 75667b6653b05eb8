import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { applyDemoSchema } from "../scripts/lib/demo/schema.ts";
import { type Activity, type ActivityError, MAX_KEPT_ERRORS, activityErrorLog, startActivity } from "../scripts/lib/demo/activity.ts";
import { TRAINED_STRATEGIES } from "../scripts/lib/demo/market.ts";
import { newDemoState } from "../scripts/lib/demo/state.ts";
import { eventually, freshDatabase, useLiveStack } from "./support/live.ts";

useLiveStack();

// At pace 20 the 5-minute pending timeout is 15 s and position snapshots come every 15 s: well within a
// minute, activity shows every status path once.
const PACE = 20;
const TRAINED_STRATEGY = TRAINED_STRATEGIES[0]!.id;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let activity: Activity;
let retiredAt: string;
const published: { queue: string; message: unknown }[] = [];

/** The first row's `n` of a count query. */
const count = async (query: Promise<{ n: number }[]>) => (await query)[0]!.n;

beforeAll(async () => {
  db = await freshDatabase("activity");
  await db.sql`SET TIME ZONE 'UTC'`;
  await applyDemoSchema(db.sql, "2025-12");
  activity = await startActivity({ sql: db.sql, state: newDemoState(), pace: PACE, publisher: { publish: (queue, message) => published.push({ queue, message }) } });
  const ofStrategy = (warmup: boolean) =>
    count(db.sql`SELECT count(*)::int AS n FROM trading_signals WHERE strategy_id = ${TRAINED_STRATEGY} AND is_warmup = ${warmup}`);
  await eventually("warm-up signals before the first model", async () => ((await ofStrategy(true)) > 0 ? true : undefined));
  await activity.trainNow(TRAINED_STRATEGY);
  await eventually("signals of the trained model", async () => ((await ofStrategy(false)) > 0 ? true : undefined));
  await activity.retireNow(TRAINED_STRATEGY);
  [{ now: retiredAt }] = (await db.sql`SELECT timezone('utc', now())::text AS now`) as unknown as [{ now: string }];
  await eventually(
    "warm-up signals again after the model was dropped",
    async () =>
      (await count(db.sql`SELECT count(*)::int AS n FROM trading_signals WHERE strategy_id = ${TRAINED_STRATEGY}
        AND timestamp > ${retiredAt}::timestamp + interval '1 second'`)) > 0 ? true : undefined,
  );
  // Cancellations wait for the (paced) 15-second pending timeout; snapshots and churn come with it.
  await eventually(
    "every order status, a position snapshot and a cancelled subscription",
    async () => {
      const [seen] = await db.sql`
        SELECT count(DISTINCT status)::int AS statuses, (SELECT count(*)::int FROM position_snapshots) AS snapshots,
          (SELECT count(*)::int FROM subscriptions WHERE NOT is_active) AS cancelled
        FROM orders WHERE status IN ('filled', 'partially_filled', 'cancelled', 'rejected', 'dry_run')`;
      return seen!.statuses === 5 && seen!.snapshots > 0 && seen!.cancelled > 0 ? true : undefined;
    },
    60_000,
  );
  await activity.stop();
}, 120_000);
describe("demo activity at 20x pace", () => {
  test("no statement failed: every CHECK constraint held", () => {
    expect(activity.stats.errors).toEqual([]);
    expect(activity.stats.errorCount).toBe(0);
    expect(activity.stats.signals).toBeGreaterThan(100);
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

describe("the activity loop", () => {
  test("a slow database delays the ticks instead of queueing them: no burst once it answers, stop() waits for the one tick in flight", async () => {
    const slow = await freshDatabase("activity_slow");
    try {
      await applyDemoSchema(slow.sql, "2025-12");
      const pace = 4;
      const loop = await startActivity({ sql: slow.sql, state: newDemoState(), pace });
      const signals = () => count(slow.sql`SELECT count(*)::int AS n FROM trading_signals`);
      await eventually("the first signals", async () => ((await signals()) > 0 ? true : undefined));
      // Another session holds a lock that blocks every INSERT into trading_signals: the database hangs.
      const locker = await slow.sql.reserve();
      try {
        await locker`BEGIN`;
        await locker`LOCK TABLE trading_signals IN EXCLUSIVE MODE`;
        await eventually("the activity's INSERT waiting for the lock", async () =>
          (await count(slow.sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
            AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO trading_signals%'`)) === 1 ? true : undefined);
        // The test's input: the database stays slow until the blocked INSERT has waited 4 s (16 ticks) by
        // PostgreSQL's own clock. The old loop queued a tick every 250 ms of it.
        await eventually("the activity's INSERT blocked for 4 s", async () =>
          (await count(slow.sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
            AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO trading_signals%'
            AND clock_timestamp() - query_start >= interval '4 seconds'`)) === 1 ? true : undefined);
        const before = await signals();
        const stopping = loop.stop();
        await locker`COMMIT`;
        await stopping;
        // What ran after the lock: the tick that was waiting, and nothing queued behind it.
        expect((await signals()) - before).toBeLessThanOrEqual(pace * 2);
        expect(loop.stats.errorCount).toBe(0);
      } finally {
        locker.release();
      }
    } finally {
      await slow.drop();
    }
  }, 60_000);

  test("stop() waits for the training in flight: after it, nothing is training and the training's promise has settled", async () => {
    const fresh = await freshDatabase("activity_stop");
    try {
      await applyDemoSchema(fresh.sql, "2025-12");
      const state = newDemoState();
      // Pace 1: a training takes 40 s, far longer than the test.
      const loop = await startActivity({ sql: fresh.sql, state, pace: 1 });
      let settled = false;
      const training = loop.trainNow(TRAINED_STRATEGY).then(() => (settled = true));
      expect(state.training.isTraining).toBe(true);
      await loop.stop();
      expect(settled).toBe(true);
      expect(state.training.isTraining).toBe(false);
      await training;
      // Abandoned, as when model-service stops mid-training: no model recorded.
      expect(await count(fresh.sql`SELECT count(*)::int AS n FROM model_versions`)).toBe(0);
    } finally {
      await fresh.drop();
    }
  });

  test("failed statements are counted, the last ones kept, each reported", async () => {
    // No schema: every statement fails.
    const empty = await freshDatabase("activity_errors");
    const reported: ActivityError[] = [];
    try {
      const loop = await startActivity({ sql: empty.sql, state: newDemoState(), pace: 100, onError: (error) => reported.push(error) });
      await eventually("more errors than are kept", async () => (loop.stats.errorCount > MAX_KEPT_ERRORS + 10 ? true : undefined));
      await loop.stop();
      expect(loop.stats.errors).toHaveLength(MAX_KEPT_ERRORS);
      expect(reported).toHaveLength(loop.stats.errorCount);
      expect(loop.stats.errors.at(-1)).toEqual(reported.at(-1)!);
      expect(reported[0]!.message).toContain('relation "subscriptions" does not exist');
    } finally {
      await empty.drop();
    }
  });

  test("`demo run`'s error log: a message once, its repeats counted into the next line", () => {
    const lines: string[] = [];
    const log = activityErrorLog((line) => lines.push(line), 60_000);
    const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
    for (const second of [0, 1, 2]) log({ message: "connection lost", at: at(second) });
    log({ message: "deadlock detected", at: at(3) });
    log({ message: "deadlock detected", at: at(70) });
    expect(lines).toEqual([
      "activity error: connection lost",
      "activity error: deadlock detected (the previous error repeated 2 more time(s))",
      "activity error: deadlock detected",
    ]);
  });
});
