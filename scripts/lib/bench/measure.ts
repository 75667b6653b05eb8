// Timing loops. A query is timed as Grafana's server runs it (Sources.run: the check engine's SQL text
// as the read-only role, on a pool kept warm as Grafana's is); a dashboard as the browser loads it
// (runCheck: variables first, then every panel at once).
import type { Config } from "../config.ts";
import type { DashboardDefinition, DatasourceDefinition } from "../../../grafana/types.ts";
import { rowCount } from "../check/frames.ts";
import { type CheckOptions, type Queries, type QueryRunner, runCheck } from "../check/run.ts";
import { type QueryContext, Sources, settingSecrets } from "../check/sources.ts";
import type { SqlQuery } from "./queries.ts";
import { type Timing, summarize } from "./stats.ts";

/** The check engine's sources with their pools kept open across runs, as Grafana keeps its pool: runCheck
 *  closes the runner it is given, so it gets one whose close does nothing, and `close` ends the pools. */
export class WarmSources {
  private readonly sources: Sources;
  readonly queries: Queries;
  readonly runner: QueryRunner;

  constructor(config: Config, datasources: DatasourceDefinition[]) {
    this.sources = new Sources(settingSecrets(config));
    this.queries = { runner: this.sources, datasources: new Map(datasources.map((ds) => [ds.uid, ds])) };
    this.runner = { run: (target, datasource, context) => this.sources.run(target, datasource, context), close: async () => {} };
  }

  close(): Promise<void> {
    return this.sources.close();
  }
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

export async function timeQuery(sources: WarmSources, query: SqlQuery, context: QueryContext, loop: LoopOptions): Promise<QueryTiming> {
  const times: number[] = [];
  let failed = 0;
  let rows = 0;
  let error: string | null = null;
  const once = async () => {
    const started = performance.now();
    try {
      rows = rowCount(await sources.runner.run(query.target, query.datasource, context));
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

/** runCheck on one dashboard, `runs` times, with the caller's warm sources. */
export async function timeDashboard(config: Config, sources: WarmSources, run: DashboardRun, loop: LoopOptions): Promise<DashboardTiming> {
  const times: number[] = [];
  let failed = 0;
  let last: Awaited<ReturnType<typeof runCheck>> | null = null;
  const once = async () => {
    const started = performance.now();
    last = await runCheck(config, {
      dashboards: [run.dashboard],
      datasources: run.datasources,
      runner: sources.runner,
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
