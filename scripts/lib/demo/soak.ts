// The generator's long run: activity alone in a scratch database, every failed statement kept. Used by
// `bun run demo soak` (the 10-minute check at 10x pace) and, shorter, by the tests.
import postgres from "postgres";
import type { Config } from "../config.ts";
import { openAdmin, openDatabase } from "../postgres.ts";
import { applyDemoSchema } from "./schema.ts";
import { type Activity, type ActivityStats, activityErrorLog, startActivity } from "./activity.ts";
import { newDemoState } from "./state.ts";
import { MONITORED_TABLES } from "../role/role.ts";

export interface SoakResult {
  database: string;
  seconds: number;
  stats: ActivityStats;
  /** Rows per table at the end. */
  rows: Record<string, number>;
}

export async function runSoak(
  config: Config,
  options: { minutes: number; pace: number; log?: (line: string) => void; keepDatabase?: boolean },
): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const database = `demo_soak_${Date.now()}`;
  const sql: postgres.Sql = await openDatabase(config, database);
  let activity: Activity | undefined;
  try {
    await applyDemoSchema(sql);
    const state = newDemoState();
    const started = Date.now();
    activity = await startActivity({ sql, state, pace: options.pace, onError: activityErrorLog(log) });
    const end = started + options.minutes * 60_000;
    while (Date.now() < end) {
      await Bun.sleep(Math.min(60_000, end - Date.now()));
      const s = activity.stats;
      log(`${((Date.now() - started) / 1000).toFixed(0)}s: ${s.signals} signals, ${s.orders} orders, ${s.fills} fills, ${s.trainings} trainings, ${s.errorCount} errors`);
    }
    await activity.stop();
    const rows: Record<string, number> = {};
    // The tables of this shape: position_orders and closed_positions exist in the newest only.
    for (const table of MONITORED_TABLES) {
      const [found] = await sql`SELECT to_regclass(${table}) IS NOT NULL AS exists`;
      if (!found!.exists) continue;
      const [row] = await sql`SELECT count(*)::int AS n FROM ${sql(table)}`;
      rows[table] = row!.n as number;
    }
    return { database, seconds: (Date.now() - started) / 1000, stats: activity.stats, rows };
  } finally {
    await activity?.stop();
    await sql.end();
    if (!options.keepDatabase) {
      const admin = openAdmin(config, "postgres");
      await admin`DROP DATABASE IF EXISTS ${admin(database)} WITH (FORCE)`;
      await admin.end();
    }
  }
}
