// The time range and variables each dashboard's queries run with in the benchmark (and the plan test):
// the dashboard's default range ending at the newest seeded signal, and a narrow filter chosen from the
// data. Contexts are resolved by the check engine, as the browser resolves them on load.
import type postgres from "postgres";
import type { DashboardDefinition } from "../../../grafana/types.ts";
import { dashboardTime, dashboardTimeZone } from "../check/dashboard-model.ts";
import { type QueryEngine, queryContext } from "../check/run.ts";
import type { QueryContext } from "../check/sources/kind.ts";
import { browserRange } from "../display/time.ts";
import type { SqlQuery } from "./queries.ts";

export interface BenchContexts {
  /** "now" of the ranges: a minute after the newest signal, so that a database seeded days ago still fills them. */
  now: Date;
  ranges: Map<string, { from: string; to: string }>;
  /** One strategy, one asset, one event type, one signal (trace dashboard). */
  narrow: Record<string, string>;
  /** Per dashboard uid: with the default variables, and with the narrow filter. */
  contexts: Map<string, { base: QueryContext; narrow: QueryContext }>;
  /** The narrow filter's values for the variables a dashboard's queries read. */
  overrides: (dashboard: DashboardDefinition) => Record<string, string[]>;
}

export async function benchContexts(
  admin: postgres.Sql,
  engine: QueryEngine,
  dashboards: DashboardDefinition[],
  queries: SqlQuery[],
  dataEnd: Date,
): Promise<BenchContexts> {
  const now = new Date(dataEnd.getTime() + 60_000);
  const ranges = new Map(await Promise.all(dashboards.map(async (d) => [d.uid, await anchoredRange(d, now)] as const)));
  const narrow = await narrowValues(admin, now);
  const overrides = (dashboard: DashboardDefinition) =>
    Object.fromEntries(
      Object.entries(narrow)
        .filter(([name]) => queries.some((q) => q.dashboard.uid === dashboard.uid && q.uses.includes(name)))
        .map(([name, value]) => [name, [value]]),
    );
  const contexts = new Map<string, { base: QueryContext; narrow: QueryContext }>();
  for (const dashboard of dashboards) {
    const range = ranges.get(dashboard.uid)!;
    contexts.set(dashboard.uid, {
      base: await queryContext(dashboard, engine, range),
      narrow: await queryContext(dashboard, engine, { ...range, variables: overrides(dashboard) }),
    });
  }
  return { now, ranges, narrow, contexts, overrides };
}

/** The dashboard's default range (e.g. now-24h to now) with `now` given. */
async function anchoredRange(dashboard: DashboardDefinition, now: Date) {
  const time = dashboardTime(dashboard);
  const range = await browserRange({ ...time, timeZone: dashboardTimeZone(dashboard), now });
  return { from: range.from.toISOString(), to: range.to.toISOString() };
}

/** The rarest strategy and asset pair of the last hour (the most rows to skip for a "last N" panel), the
 *  rarest kind of order event, and the newest signal with a filled order. */
async function narrowValues(admin: postgres.Sql, now: Date): Promise<Record<string, string>> {
  const since = new Date(now.getTime() - 3_600_000).toISOString().replace("T", " ").replace("Z", "");
  const [pair] = await admin<{ strategy_id: string; asset: string }[]>`
    SELECT strategy_id, asset FROM trading_signals WHERE "timestamp" > ${since}::timestamp
    GROUP BY 1, 2 ORDER BY count(*), 1, 2 LIMIT 1`;
  const [signal] = await admin<{ signal_id: string }[]>`
    SELECT signal_id::text FROM orders WHERE status = 'filled' ORDER BY created_at DESC LIMIT 1`;
  return { strategy: pair?.strategy_id ?? "", asset: pair?.asset ?? "", event_type: "order_rejected", signal_id: signal?.signal_id ?? "" };
}
