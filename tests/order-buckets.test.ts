// The monitor's summary of orders per settled 10-minute bucket (monitor/order-buckets.ts) and the panels
// that read it (model quality, orders per hour): which buckets a reading summarizes, and that the panels
// show the same figures from the summary, without it, and with a hole in it, on rows this test
// arranges (ragged range edges, an order on a bucket's edge, a signal older than the 5-minute window,
// an order without a signal row, orders written into a bucket after it was summarized).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import { runCheck } from "../scripts/lib/check/run.ts";
import type { Config } from "../scripts/lib/config.ts";
import { DatabaseFiguresReader } from "../scripts/lib/monitor/database.ts";
import { EventStore } from "../scripts/lib/monitor/events.ts";
import { BUCKET_MS, BUCKETS_PER_READING, type Coverage, OrderBuckets, nextStretch } from "../scripts/lib/monitor/order-buckets.ts";
import { columnOf as column, panelOf as panel } from "./support/check-results.ts";
import { settings, useLiveStack } from "./support/live.ts";
import { type ShapedDatabase, shapedDatabase } from "./support/shaped-database.ts";

const at = (text: string) => new Date(`${text}Z`);
const none: Coverage = { first: null, last: null };

describe("which buckets a reading summarizes", () => {
  const now = at("2020-03-02T12:00:00");
  // Settled: a bucket whose end is 15 minutes past; 11:35-11:45 ends at 11:45, the newest.
  test("none yet: the newest settled buckets, as many as a reading takes", () => {
    expect(nextStretch(none, now, 30)).toEqual({ from: new Date(at("2020-03-02T11:40:00").getTime() - BUCKETS_PER_READING * BUCKET_MS), to: at("2020-03-02T11:40:00") });
    expect(nextStretch(none, at("2020-03-02T11:45:00"), 30, 3)).toEqual({ from: at("2020-03-02T11:00:00"), to: at("2020-03-02T11:30:00") });
  });
  test("above the stretch first, up to the newest settled bucket; then below it down to the retention limit", () => {
    expect(nextStretch({ first: at("2020-03-02T09:00:00"), last: at("2020-03-02T11:00:00") }, now, 30)).toEqual({ from: at("2020-03-02T11:10:00"), to: at("2020-03-02T11:40:00") });
    // After a long pause, a reading's budget at a time, oldest first, so the stretch stays unbroken.
    expect(nextStretch({ first: at("2020-03-01T00:00:00"), last: at("2020-03-01T00:00:00") }, now, 30, 6)).toEqual({ from: at("2020-03-01T00:10:00"), to: at("2020-03-01T01:10:00") });
    expect(nextStretch({ first: at("2020-03-02T09:00:00"), last: at("2020-03-02T11:30:00") }, now, 1, 6)).toEqual({ from: at("2020-03-02T08:00:00"), to: at("2020-03-02T09:00:00") });
    // The limit: one day back from now, rounded up to a bucket.
    expect(nextStretch({ first: at("2020-03-01T12:10:00"), last: at("2020-03-02T11:30:00") }, now, 1, 6)).toEqual({ from: at("2020-03-01T12:00:00"), to: at("2020-03-01T12:10:00") });
    expect(nextStretch({ first: at("2020-03-01T12:00:00"), last: at("2020-03-02T11:30:00") }, now, 1, 6)).toBeNull();
  });
});

describe("model quality from the summary", () => {
  useLiveStack();
  let db: ShapedDatabase["db"];
  let config: Config;
  let reader: DatabaseFiguresReader;
  let writer: EventStore;
  let buckets: OrderBuckets;
  const NOW = at("2020-03-01T14:00:00");

  beforeAll(async () => {
    if (!settings().monitor.writerPassword) throw new Error("the live stack's settings carry no MONITOR_POSTGRES_PASSWORD: start it with `bun run stack up`");
    ({ db, config } = await shapedDatabase("order_buckets"));
    reader = new DatabaseFiguresReader(config);
    writer = EventStore.open(config);
    buckets = new OrderBuckets(reader, writer.sql, config.monitor.schema);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([reader?.close(), writer?.close()]);
    await db?.drop();
  });

  beforeEach(async () => {
    await db.sql`TRUNCATE trading_signals, orders, monitoring.order_buckets, monitoring.order_bucket_counts CASCADE`;
  });

  /** A signal of `strategy` at `signalAt` and its order at `orderAt` with `status`. */
  async function order(strategy: string, signalAt: string, orderAt: string, status: string, withSignal = true) {
    const [row] = await db.sql<{ id: string }[]>`SELECT gen_random_uuid()::text AS id`;
    if (withSignal)
      await db.sql`INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, "timestamp", model_version)
        VALUES (${row!.id}, ${strategy}, 'BKTUSDT', 'buy', 100, 0.7, ${signalAt}, 'v91')`;
    await db.sql`INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, status, filled_quantity, created_at, updated_at)
      VALUES (${`BKT-${row!.id}`}, ${row!.id}, 'BKTUSDT', 'Buy', 'Market', 1, ${status}, ${status === "filled" ? 1 : 0}, ${orderAt}, ${orderAt})`;
  }

  /** Orders of three strategies every 7 minutes from 09:00 to 13:00, a third of them cancelled. */
  async function peakHours() {
    await db.sql`
      INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, "timestamp", model_version)
      SELECT gen_random_uuid(), (ARRAY['alpha', 'beta', 'gamma'])[1 + i % 3], 'BKTUSDT', 'buy', 100, 0.7,
             timestamp '2020-03-01 09:00:00' + i * interval '7 minutes' - interval '2 seconds', 'v91'
      FROM generate_series(0, 34) i`;
    await db.sql`
      INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, status, filled_quantity, created_at, updated_at)
      SELECT 'BKT-' || s.signal_id, s.signal_id, s.asset, 'Buy', 'Market', 1,
             CASE WHEN row_number() OVER (ORDER BY s."timestamp") % 3 = 0 THEN 'cancelled' ELSE 'filled' END, 1,
             s."timestamp" + interval '2 seconds', s."timestamp" + interval '2 seconds'
      FROM trading_signals s`;
    // An order exactly on a bucket's edge, one whose signal is an hour older, one of a horizon close (no
    // signal row), and one at the range's very end.
    await order("alpha", "2020-03-01 10:49:59", "2020-03-01 10:50:00", "filled");
    await order("beta", "2020-03-01 09:30:00", "2020-03-01 10:31:00", "filled");
    await order("target_horizon_close", "", "2020-03-01 11:05:00", "filled", false);
    await order("gamma", "2020-03-01 12:54:59", "2020-03-01 12:55:00", "rejected");
    // Two of them of an asset of their own: one in a bucket the summary covers, one after it.
    await db.sql`UPDATE orders SET asset = 'ONEUSDT' WHERE created_at IN ('2020-03-01 10:31:00', '2020-03-01 12:55:00')`;
  }

  const RANGE = { from: "2020-03-01T09:25:00Z", to: "2020-03-01T12:55:00Z" };

  /** Model quality's orders and fills per strategy, and orders per hour's three counts per hour. */
  async function shownBoth(asset = "__all__") {
    const result = await runCheck(config, {
      dashboards: dashboardDefinitions(),
      datasources: datasourceDefinitions(config),
      dashboard: "trading-system-monitoring",
      panels: ["Model quality per strategy", "Orders per hour"],
      variables: { asset: [asset] },
      ...RANGE,
    });
    const quality = panel(result.panels, "Model quality per strategy");
    const hourly = panel(result.panels, "Orders per hour");
    expect([quality.error ?? null, hourly.error ?? null]).toEqual([null, null]);
    const strategies = column(quality, "strategy_id") as string[];
    return {
      quality: Object.fromEntries(strategies.map((s, i) => [s, [column(quality, "orders")[i], column(quality, "filled")[i]]])),
      hourly: (column(hourly, "Time") as number[]).map((t, i) => [new Date(t).toISOString().slice(11, 16), column(hourly, "filled")[i], column(hourly, "rejected")[i], column(hourly, "other")[i]]),
    };
  }
  const shown = async () => (await shownBoth()).quality;

  /** The orders of the range per hour, as a plain query counts them (hours without orders: none). */
  async function expectedHourly(asset: string | null = null) {
    const rows = await db.sql<{ hour: string; filled: number; rejected: number; other: number }[]>`
      SELECT to_char(date_trunc('hour', created_at), 'HH24:MI') AS hour,
             (count(*) FILTER (WHERE status IN ('filled', 'partially_filled')))::int AS filled,
             (count(*) FILTER (WHERE status = 'rejected'))::int AS rejected,
             (count(*) FILTER (WHERE status NOT IN ('filled', 'partially_filled', 'rejected')))::int AS other
      FROM orders
      WHERE created_at BETWEEN ${RANGE.from.replace("Z", "")}::timestamp AND ${RANGE.to.replace("Z", "")}::timestamp
        AND (${asset}::text IS NULL OR asset = ${asset})
      GROUP BY 1 ORDER BY 1`;
    return rows.map((r) => [r.hour, r.filled, r.rejected, r.other]);
  }

  /** The orders of the range joined to their signals, as a plain query counts them. */
  async function expected() {
    const rows = await db.sql<{ strategy_id: string; orders: number; filled: number }[]>`
      SELECT s.strategy_id, count(*)::int AS orders, (count(*) FILTER (WHERE o.status = 'filled'))::int AS filled
      FROM orders o JOIN trading_signals s ON s.signal_id = o.signal_id
      WHERE o.created_at BETWEEN ${RANGE.from.replace("Z", "")}::timestamp AND ${RANGE.to.replace("Z", "")}::timestamp
      GROUP BY 1`;
    return Object.fromEntries(rows.map((r) => [r.strategy_id, [r.orders, r.filled]]));
  }

  async function keepAll() {
    for (let reading = 0; reading < 10; reading++) if ((await buckets.keep(NOW, 1)).buckets === 0) return reading;
    throw new Error("the summary was not whole after 10 readings");
  }

  test("the same orders and fills from the summary, without it, and with a hole in it", async () => {
    await peakHours();
    const truth = await expected();
    expect(Object.keys(truth).sort()).toEqual(["alpha", "beta", "gamma"]);
    const hours = await expectedHourly();
    expect(hours.length).toBe(4);
    expect(await shownBoth()).toEqual({ quality: truth, hourly: hours });

    // A day back from 14:00 is 144 buckets: two readings of 72, then nothing left.
    expect(await keepAll()).toBe(2);
    const coverage = await buckets.coverage();
    expect([coverage.first, coverage.last]).toEqual([at("2020-02-29T14:00:00"), at("2020-03-01T13:30:00")]);
    const [summary] = await db.sql<{ orders: number; unmatched: number }[]>`
      SELECT sum(orders)::int AS orders, (sum(orders) FILTER (WHERE strategy_id IS NULL))::int AS unmatched FROM monitoring.order_bucket_counts`;
    expect(summary).toEqual({ orders: 39, unmatched: 1 });
    expect(await shownBoth()).toEqual({ quality: truth, hourly: hours });
    // The asset filter holds in both parts.
    const oneAsset = await expectedHourly("ONEUSDT");
    expect(oneAsset.map(([hour]) => hour)).toEqual(["10:00", "12:00"]);
    expect((await shownBoth("ONEUSDT")).hourly).toEqual([["09:00", 0, 0, 0], oneAsset[0]!, ["11:00", 0, 0, 0], oneAsset[1]!]);

    // The panel reads the summary inside the range (a count changed there shows), not outside it.
    await db.sql`UPDATE monitoring.order_bucket_counts SET orders = orders + 100 WHERE strategy_id = 'alpha' AND bucket = (
      SELECT min(bucket) FROM monitoring.order_bucket_counts WHERE strategy_id = 'alpha' AND bucket >= '2020-03-01 10:00:00')`;
    await db.sql`UPDATE monitoring.order_bucket_counts SET orders = orders + 1000 WHERE bucket IN ('2020-03-01 09:20:00', '2020-03-01 12:50:00')`;
    expect(await shown()).toEqual({ ...truth, alpha: [truth.alpha![0]! + 100, truth.alpha![1]!] });

    // A hole in the stretch: the panels count the whole range from the orders rather than around it.
    await db.sql`DELETE FROM monitoring.order_buckets WHERE bucket = '2020-03-01 11:00:00'`;
    expect(await shownBoth()).toEqual({ quality: truth, hourly: hours });
  }, 60_000);

  test("orders written into a bucket after it was summarized are counted once the monitor compares it", async () => {
    await peakHours();
    await keepAll();
    await order("beta", "2020-03-01 11:12:00", "2020-03-01 11:12:01", "filled");
    await order("beta", "2020-03-01 11:13:00", "2020-03-01 11:13:01", "cancelled");
    const truth = await expected();
    expect((await shown()).beta).not.toEqual(truth.beta);
    const kept = await buckets.keep(NOW, 1);
    expect(kept.repaired).toBe(1);
    expect(await shown()).toEqual(truth);
  }, 60_000);
});
