// Timing loops. A query is timed as Grafana's server runs it (DirectRunner: the check engine's SQL text
// as the read-only role, on a pool the caller keeps warm across runs, as Grafana keeps its pool); a
// dashboard as the browser loads it (runCheck: variables first, then every panel at once).
import type { Config } from "../config.ts";
import type { DashboardDefinition, DatasourceDefinition } from "../../../grafana/types.ts";
import { datasourceSecrets } from "../../../grafana/datasources.ts";
import { rowCount } from "../check/frames.ts";
import { type CheckOptions, type QueryEngine, runCheck } from "../check/run.ts";
import { DirectRunner, type QueryRunner } from "../check/runner.ts";
import type { QueryContext } from "../check/sources/kind.ts";
import type { SqlQuery } from "./queries.ts";
import { type Timing, summarize } from "./stats.ts";

/** The dashboards' queries run straight to their sources as the read-only role, on connections kept open
 *  across runs; the caller closes the runner. */
export function benchQueries(config: Config, datasources: DatasourceDefinition[]): QueryEngine & { runner: DirectRunner } {
  return {
    runner: new DirectRunner((datasource) => datasourceSecrets(datasource, config.values).secrets),
    datasources: new Map(datasources.map((ds) => [ds.uid, ds])),
  };
}

export interface QueryTiming extends Timing {
  rows: number;
  error: string | null;
}

export interface LoopOptions {
  runs: number;
  /** Untimed runs first (plans cached, pages in memory, connections open). */
  warmup: number;
  /** Stop after this long once `minRuns` are done (the naive queries may each take seconds). */
  budgetMs?: number;
  minRuns?: number;
}

export async function timeQuery(runner: QueryRunner, query: SqlQuery, context: QueryContext, loop: LoopOptions): Promise<QueryTiming> {
  const times: number[] = [];
  let failed = 0;
  let rows = 0;
  let error: string | null = null;
  const once = async () => {
    const started = performance.now();
    try {
      rows = (await runner.run(query.target, query.datasource, context)).reduce((sum, frame) => sum + rowCount(frame), 0);
    } catch (e) {
      failed++;
      error = (e as Error).message.split("\n")[0]!;
    }
    return performance.now() - started;
  };
  for (let i = 0; i < loop.warmup; i++) await once();
  failed = 0;
  const started = performance.now();
  while (times.length < loop.runs) {
    times.push(await once());
    if (loop.budgetMs && times.length >= (loop.minRuns ?? 3) && performance.now() - started > loop.budgetMs) break;
  }
  return { ...summarize(times, failed), rows, error: failed ? error : null };
}

export interface DashboardTiming extends Timing {
  panels: number;
  /** Panels that failed in the last run, with the first error. */
  failedPanels: { panel: string; error: string }[];
}

export type DashboardRun = Pick<CheckOptions, "from" | "to" | "variables" | "panels"> & {
  dashboard: DashboardDefinition;
  datasources: DatasourceDefinition[];
};

/** runCheck on one dashboard, `runs` times, with the caller's warm runner. */
export async function timeDashboard(config: Config, runner: QueryRunner, run: DashboardRun, loop: LoopOptions): Promise<DashboardTiming> {
  const times: number[] = [];
  let failed = 0;
  let last: Awaited<ReturnType<typeof runCheck>> | null = null;
  const once = async () => {
    const started = performance.now();
    last = await runCheck(config, {
      dashboards: [run.dashboard],
      datasources: run.datasources,
      runner,
      from: run.from,
      to: run.to,
      variables: run.variables,
      panels: run.panels,
    });
    if (!last.ok) failed++;
    return performance.now() - started;
  };
  for (let i = 0; i < loop.warmup; i++) await once();
  failed = 0;
  while (times.length < loop.runs) times.push(await once());
  const result = last as Awaited<ReturnType<typeof runCheck>> | null;
  const panels = (result?.panels ?? []).filter((p) => p.kind === "panel");
  return {
    ...summarize(times, failed),
    panels: panels.length,
    failedPanels: panels.filter((p) => !p.ok).map((p) => ({ panel: p.panel, error: p.error ?? "" })),
  };
}
