// The demo's first start on an empty database: the last hours (24 by default) of what its live activity
// would have written had it run all along, at its rates (activity-steps.ts): a signal a second, orders
// and how they closed, hourly trainings with their metrics and the models dropped between them, positions
// with a snapshot every 5 minutes, subscriptions as they churn. So every panel has data from the first
// minute. The rows come from the bulk seed's generators (seed-*.ts).
//
// Once only: the backfill runs when the database holds no history (no signal, order, model or position),
// and writes all of its rows in one transaction, so that "the database has history" is exactly "the
// backfill ran, or the demo or a seed wrote history before". A restart finds the history and writes
// nothing; a backfill that fails leaves nothing; two starts at once are serialized by an advisory lock
// and the second finds the first one's history. No marker of the demo's own is needed, and none could
// disagree with the tables.
import type postgres from "postgres";
import { badInput } from "../errors.ts";
import { RATES } from "./activity-steps.ts";
import { type SeedTableReport, copyRows } from "./copy.ts";
import { HOUR, utcText } from "./seed-clock.ts";
import { METRIC_COLUMNS, MODEL_COLUMNS, activeModels, metricRows, modelRows, planLiveModels } from "./seed-models.ts";
import { type HistoryPlan, NEWEST_ACCEPTED_SHARE, copyHistoryWithin, liveMix } from "./seed-history.ts";
import { NEWEST_SNAPSHOT_COLUMNS, POSITION_COLUMNS, SNAPSHOT_COLUMNS, simulatePositions } from "./seed-positions.ts";
import { seedNewestExtras } from "./seed-newest.ts";
import { isNewestShape } from "./activity-newest.ts";
import { SUBSCRIPTION_COLUMNS, liveSubscriptionRows } from "./seed-small-tables.ts";
import { tablesWithHistory } from "./seed.ts";

export const BACKFILL_HOURS = 24;
/** A week at a signal a second is 600,000 signals: about a minute here. Longer is `demo seed`'s job. */
const MAX_HOURS = 24 * 7;

export type Backfill =
  | { backfilled: true; from: number; to: number; tables: SeedTableReport[]; seconds: number }
  | { backfilled: false; tablesWithHistory: string[] };

/** The hours to backfill, checked: a number in (0, a week]. */
export function backfillHours(hours: number, what = "backfill hours"): number {
  if (!(hours > 0 && hours <= MAX_HOURS)) throw badInput(`${what} must be a number in (0, ${MAX_HOURS}], got ${hours}`);
  return hours;
}

/** Backfills `hours` of history ending now, unless the database holds history already. `sql` needs a
 *  pool of at least 2 connections (the transaction, and one to watch its COPYs). */
export async function backfillDemo(sql: postgres.Sql, options: { hours?: number } = {}): Promise<Backfill> {
  const hours = backfillHours(options.hours ?? BACKFILL_HOURS);
  if (sql.options.max < 2) throw badInput(`backfillDemo needs a connection pool of at least 2 (max: ${sql.options.max})`);
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext('ytrader demo backfill'))`;
    const found = await tablesWithHistory(tx);
    if (found.length) return { backfilled: false, tablesWithHistory: found };
    const started = performance.now();
    const now = Date.now();
    const end = now - 10_000; // the newest order still fills before "now"
    const start = end - hours * HOUR;
    const tables: SeedTableReport[] = [];

    const models = planLiveModels(start, end);
    tables.push(await copyRows(sql, "model_versions", MODEL_COLUMNS, modelRows(models), tx));
    tables.push(await copyRows(sql, "model_quality_metrics", METRIC_COLUMNS, metricRows(models), tx));
    const newest = await isNewestShape(tx as unknown as postgres.Sql);
    const signals = Math.round(((end - start) / 1000) * RATES.signalsPerSecond);
    const plan: HistoryPlan = {
      signals,
      // The newest shape stores every inference: most are rejected and get no order.
      orders: Math.round(signals * RATES.orderShare * (newest ? NEWEST_ACCEPTED_SHARE : 1)),
      newest,
      start,
      step: (end - start) / Math.max(signals, 1),
      now,
      modelAt: activeModels(models),
      mix: liveMix(),
    };
    tables.push(...(await copyHistoryWithin(sql, tx, plan)));
    const { positions, snapshots } = simulatePositions(start, end, newest);
    tables.push(await copyRows(sql, "positions", POSITION_COLUMNS, positions, tx));
    tables.push(await copyRows(sql, "position_snapshots", newest ? NEWEST_SNAPSHOT_COLUMNS : SNAPSHOT_COLUMNS, snapshots, tx));
    if (newest) for (const [table, rows] of Object.entries(await seedNewestExtras(tx, start, end))) tables.push({ table, rows, seconds: 0, rowsPerSecond: rows });
    tables.push(await copyRows(sql, "subscriptions", SUBSCRIPTION_COLUMNS, liveSubscriptionRows(start, now), tx));
    // The first dashboard queries get the plans they will get later on.
    await tx`ANALYZE trading_signals, orders, signal_order_relationships`;
    return { backfilled: true, from: start, to: end, tables, seconds: (performance.now() - started) / 1000 };
  });
}

/** What a backfill did, in one line for the demo's log. */
export function describeBackfill(backfill: Backfill): string {
  if (!backfill.backfilled) return `no backfill: the database already holds history (${backfill.tablesWithHistory.join(", ")})`;
  const hours = (backfill.to - backfill.from) / HOUR;
  const rows = backfill.tables.map((t) => `${t.table} ${t.rows}`).join(", ");
  return `backfilled ${hours.toFixed(hours % 1 ? 2 : 0)} h of history (${utcText(backfill.from).slice(0, 19)} to ${utcText(backfill.to).slice(0, 19)} UTC) in ${backfill.seconds.toFixed(1)} s: ${rows}`;
}
