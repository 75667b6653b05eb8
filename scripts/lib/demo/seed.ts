// Bulk history for the demo trading system: weeks of signals, orders and their signal_order_relationships
// (millions of rows, loaded with COPY: seed-history.ts) and the small tables that make them consistent:
// models and their metrics (seed-models.ts), positions and their snapshots (seed-positions.ts),
// subscriptions, account balances and a little old execution_events history (seed-small-tables.ts).
import type postgres from "postgres";
import { badInput } from "../errors.ts";
import { type SeedTableReport, copyRows } from "./copy.ts";
import { DAY } from "./seed-clock.ts";
import { METRIC_COLUMNS, MODEL_COLUMNS, activeModels, metricRows, modelRows, planModels } from "./seed-models.ts";
import { type HistoryPlan, type OnProgress, SEED_MIX, loadHistory } from "./seed-history.ts";
import { NEWEST_SNAPSHOT_COLUMNS, POSITION_COLUMNS, SNAPSHOT_COLUMNS, simulatePositions } from "./seed-positions.ts";
import { seedNewestExtras } from "./seed-newest.ts";
import { isNewestShape } from "./activity-newest.ts";
import {
  BALANCE_COLUMNS,
  MARGIN_COLUMNS,
  SUBSCRIPTION_COLUMNS,
  balanceRows,
  insertOldExecutionEvents,
  subscriptionRows,
} from "./seed-small-tables.ts";

export interface SeedOptions {
  signals: number;
  /** At most one order per signal; default one for every signal. */
  orders?: number;
  /** The history ends now and starts this many days ago (default 30). */
  days?: number;
  /** Called as rows are loaded, with the table's running total. */
  onProgress?: OnProgress;
}

export interface SeedReport {
  tables: SeedTableReport[];
  /** Wall time of the whole seed (signals and orders load concurrently). */
  seconds: number;
}

function checkOptions(options: SeedOptions): { signals: number; orders: number; days: number } {
  const signals = options.signals;
  const orders = options.orders ?? signals;
  const days = options.days ?? 30;
  const problems: string[] = [];
  if (!Number.isInteger(signals) || signals < 0) problems.push(`signals: expected a whole number >= 0, got ${signals}`);
  if (!Number.isInteger(orders) || orders < 0) problems.push(`orders: expected a whole number >= 0, got ${orders}`);
  else if (orders > signals) problems.push(`orders: at most one order per signal, got ${orders} orders for ${signals} signals`);
  if (!(days > 0)) problems.push(`days: expected a number > 0, got ${days}`);
  if (problems.length) throw badInput("Cannot seed the demo history:", problems);
  return { signals, orders, days };
}

/** The tables of a history that hold rows already. A seed or backfill writes a whole history (model
 *  versions v1.., one position per asset and mode), which would collide with any of these. */
export async function tablesWithHistory(sql: postgres.Sql | postgres.TransactionSql): Promise<string[]> {
  const [found] = await sql<Record<string, boolean>[]>`
    SELECT EXISTS (SELECT 1 FROM trading_signals) AS trading_signals, EXISTS (SELECT 1 FROM orders) AS orders,
      EXISTS (SELECT 1 FROM model_versions) AS model_versions, EXISTS (SELECT 1 FROM positions) AS positions`;
  return Object.entries(found ?? {}).filter(([, hasRows]) => hasRows).map(([table]) => table);
}

/** Seeding needs an empty demo database. */
async function requireEmpty(sql: postgres.Sql) {
  const used = await tablesWithHistory(sql);
  if (used.length) {
    throw badInput(`The demo database already holds rows in ${used.join(", ")}: seed a fresh database (the seed loads a whole history).`);
  }
}

/** Loads a consistent history of `days` days ending now, with COPY. The demo schema must be applied. */
export async function seedDemo(sql: postgres.Sql, options: SeedOptions): Promise<SeedReport> {
  const { signals, orders, days } = checkOptions(options);
  // Three COPY connections at once, plus one to watch them.
  if (sql.options.max < 4) throw badInput(`seedDemo needs a connection pool of at least 4 (max: ${sql.options.max})`);
  await requireEmpty(sql);
  const started = performance.now();
  const now = Date.now();
  const end = now - 10_000; // the newest order still fills before "now"
  const start = end - days * DAY;
  const tables: SeedTableReport[] = [];
  const record = (report: SeedTableReport) => {
    tables.push(report);
    options.onProgress?.(report.table, report.rows);
  };

  const models = planModels(start, end);
  record(await copyRows(sql, "model_versions", MODEL_COLUMNS, modelRows(models)));
  record(await copyRows(sql, "model_quality_metrics", METRIC_COLUMNS, metricRows(models)));

  const newest = await isNewestShape(sql);
  const plan: HistoryPlan = { signals, orders, start, step: (end - start) / Math.max(signals, 1), now, modelAt: activeModels(models), mix: SEED_MIX, newest };
  for (const report of await loadHistory(sql, plan, options.onProgress)) record(report);
  // Fresh statistics: for the join below, and so that the first dashboard queries after a seed get the
  // plans they will get in production.
  await sql`ANALYZE trading_signals, orders, signal_order_relationships`;
  record(await insertOldExecutionEvents(sql, models[0]));

  const { positions, snapshots } = simulatePositions(start, end, newest);
  record(await copyRows(sql, "positions", POSITION_COLUMNS, positions));
  record(await copyRows(sql, "position_snapshots", newest ? NEWEST_SNAPSHOT_COLUMNS : SNAPSHOT_COLUMNS, snapshots));
  if (newest) for (const [table, rows] of Object.entries(await seedNewestExtras(sql, start, end))) record({ table, rows, seconds: 0, rowsPerSecond: rows });
  record(await copyRows(sql, "subscriptions", SUBSCRIPTION_COLUMNS, subscriptionRows(start, now)));
  const { balances, margins } = balanceRows(start, end);
  record(await copyRows(sql, "account_balances", BALANCE_COLUMNS, balances));
  record(await copyRows(sql, "account_margin_balances", MARGIN_COLUMNS, margins));

  return { tables, seconds: (performance.now() - started) / 1000 };
}
