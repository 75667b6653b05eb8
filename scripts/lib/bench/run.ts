// `bench`: the dashboards' SQL timed at a large and a smaller table size, with and without the recommended
// indexes, beside the naive versions, plus the database CPU of viewers refreshing the main dashboard. Each
// size runs the same steps: the server's facts, then per index mode the queries, the naive versions, the
// whole dashboard and the viewers' cost.
import { cpus, loadavg, totalmem } from "node:os";
import type postgres from "postgres";
import type { Config } from "../config.ts";
import { openAdmin } from "../postgres.ts";
import type { DashboardDefinition, DatasourceDefinition } from "../../../grafana/types.ts";
import { dashboardDefinitions, datasourceDefinitions, renderingOf } from "../../../grafana/index.ts";
import { POSTGRES_TYPE } from "../../../grafana/datasources.ts";
import { MAIN_DASHBOARD } from "../../../grafana/dashboards/identity.ts";
import { dashboardPanels, targetDatasource } from "../check/dashboard-model.ts";
import { runCheck } from "../check/run.ts";
import type { QueryRunner } from "../check/runner.ts";
import { type BenchContexts, benchContexts } from "./contexts.ts";
import { type CpuMeasure, measureBackendCpu } from "./cpu.ts";
import { type BenchDatabase, defaultDatabaseName, prepareDatabase, withDatabase } from "./database.ts";
import type { BenchReport, GrowthRow, IndexMode, ModeFigures, NaiveFigures, QueryFigures, SizeFigures, ViewerFigures } from "./figures.ts";
import type { DemoShape } from "../demo/schema.ts";
import { createIndexes, dropIndexes, presentIndexes } from "./indexes.ts";
import { type DashboardRun, type LoopOptions, benchQueries, timeDashboard, timeQuery } from "./measure.ts";
import { NAIVE_PAIRS, type SqlQuery, dashboardSqlQueries, naiveQueries } from "./queries.ts";
import { summarize } from "./stats.ts";
import { judgeTargets } from "./targets.ts";

export interface BenchOptions {
  /** Signals (and orders) of the main size, and of the smaller size compared with it (null: none). */
  rows: number;
  baselineRows: number | null;
  database?: string;
  baselineDatabase?: string;
  runs: number;
  modes: IndexMode[];
  viewers: number;
  /** The schema shape the databases are seeded in (default the newest). */
  schema?: DemoShape;
  log: (line: string) => void;
}

const NAIVE_LOOP = { warmup: 1, budgetMs: 30_000, minRuns: 3 };

export async function runBench(config: Config, options: BenchOptions): Promise<BenchReport> {
  const loadAtStart = loadavg();
  const sizes: SizeFigures[] = [];
  const plan = [
    ...(options.baselineRows ? [{ rows: options.baselineRows, database: options.baselineDatabase ?? defaultDatabaseName(options.baselineRows) }] : []),
    { rows: options.rows, database: options.database ?? defaultDatabaseName(options.rows) },
  ];
  let server = { version: "", calibrationMs: Number.NaN };
  for (const { rows, database } of plan) {
    const db = await prepareDatabase(config, { rows, database, schema: options.schema, log: options.log });
    const figures = await benchSize(withDatabase(config, database), db, options);
    server = figures.server;
    sizes.push(figures.size);
  }
  const loads = (l: number[]) => l.map((n) => Math.round(n * 100) / 100);
  const main = sizes.at(-1)!;
  return {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "",
      memoryGb: Math.round(totalmem() / 2 ** 30),
      postgres: server.version,
      loadAverage: { start: loads(loadAtStart), end: loads(loadavg()) },
      calibrationMs: server.calibrationMs,
    },
    runs: options.runs,
    sizes,
    growth: sizes.length > 1 ? growth(sizes[0]!, main) : [],
    targets: judgeTargets(main),
    ok: sizes.every((s) =>
      s.modes.every(
        (m) =>
          m.queries.every((q) => !q.default.failed && !q.narrow?.failed) &&
          Object.values(m.dashboard).every((d) => !d.failed && d.failedPanels.length === 0),
      ),
    ),
  };
}

/** What one size's measures share: its database, the dashboards and their queries. */
interface SizeRun {
  config: Config;
  db: BenchDatabase;
  options: BenchOptions;
  admin: postgres.Sql;
  dashboards: DashboardDefinition[];
  datasources: DatasourceDefinition[];
  main: DashboardDefinition;
  queries: SqlQuery[];
  loop: LoopOptions;
}

async function benchSize(config: Config, db: BenchDatabase, options: BenchOptions): Promise<{ size: SizeFigures; server: { version: string; calibrationMs: number } }> {
  const dashboards = dashboardDefinitions(renderingOf(config));
  const datasources = datasourceDefinitions(config);
  const queries = dashboardSqlQueries(dashboards, datasources, config.monitor.schema);
  const admin = openAdmin(config);
  try {
    const run: SizeRun = {
      config, db, options, admin, dashboards, datasources, queries,
      main: dashboards.find((d) => d.uid === MAIN_DASHBOARD.uid)!,
      loop: { runs: options.runs, warmup: 2 },
    };
    const server = await serverFacts(admin);
    const modes: ModeFigures[] = [];
    let contexts: BenchContexts | undefined;
    for (const mode of options.modes) {
      const measured = await benchMode(run, mode);
      modes.push(measured.figures);
      contexts = measured.contexts;
    }
    const range = contexts?.ranges.get(run.main.uid) ?? { from: "", to: "" };
    return { size: { rows: db.rows, database: db, range, narrow: contexts?.narrow ?? {}, modes }, server };
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** The server's version, and how fast it is right now (the median of five sums of a million numbers). */
async function serverFacts(admin: postgres.Sql): Promise<{ version: string; calibrationMs: number }> {
  const [{ version }] = (await admin`SELECT current_setting('server_version') AS version`) as unknown as [{ version: string }];
  const calibration: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await admin`SELECT sum(x) FROM generate_series(1, 1000000) x`;
    calibration.push(performance.now() - started);
  }
  return { version, calibrationMs: summarize(calibration).medianMs };
}

/** Every measure of one index mode, on connections kept warm for its duration. */
async function benchMode(run: SizeRun, mode: IndexMode): Promise<{ figures: ModeFigures; contexts: BenchContexts }> {
  const { db, options, admin, queries } = run;
  const buildSeconds = await setIndexes(admin, db.name, mode, options.log);
  const present = await presentIndexes(admin);
  options.log(`${db.name}, ${mode} the recommended indexes: timing ${queries.length} queries, ${options.runs} runs each`);
  const engine = benchQueries(run.config, run.datasources);
  try {
    const contexts = await benchContexts(admin, engine, run.dashboards, queries, db.dataEnd);
    const figures = await timeQueries(run, engine.runner, contexts);
    const naive = await timeNaive(run, engine.runner, contexts, figures);
    const { dashboard, viewers } = await timeMainDashboard(run, engine.runner, contexts);
    return { figures: { indexes: mode, present, buildSeconds, queries: figures, naive, dashboard, viewers }, contexts };
  } finally {
    await engine.runner.close();
  }
}

/** With: the recommended indexes built (seconds each) and the tables vacuumed; without: none of them. */
async function setIndexes(admin: postgres.Sql, database: string, mode: IndexMode, log: (line: string) => void): Promise<Record<string, number>> {
  if (mode === "without") {
    await dropIndexes(admin);
    return {};
  }
  log(`${database}: creating the recommended indexes (sql/indexes.sql)`);
  const buildSeconds = await createIndexes(admin);
  // Their index-only scans skip rows only on all-visible pages: the state autovacuum keeps when tuned
  // as sql/indexes.sql says (every ~10k inserts), which a freshly seeded table may not be in yet.
  log(`${database}: VACUUM orders, trading_signals (as autovacuum tuned per sql/indexes.sql keeps them)`);
  await admin`VACUUM orders, trading_signals`;
  return buildSeconds;
}

/** Each SQL query of the dashboards with the default variables, and with the narrow filter when it reads one. */
async function timeQueries(run: SizeRun, runner: QueryRunner, contexts: BenchContexts): Promise<QueryFigures[]> {
  const figures: QueryFigures[] = [];
  for (const query of run.queries) {
    const context = contexts.contexts.get(query.dashboard.uid)!;
    const filtered = query.uses.some((name) => name in contexts.narrow);
    figures.push({
      name: query.name,
      dashboard: query.dashboard.uid,
      panels: query.panels,
      kind: query.kind,
      default: await timeQuery(runner, query, context.base, run.loop),
      narrow: filtered ? await timeQuery(runner, query, context.narrow, run.loop) : null,
    });
    run.options.log(`  ${query.name.padEnd(22)} ${figures.at(-1)!.default.medianMs} ms median`);
  }
  return figures;
}

/** The naive versions beside the queries they stand for (runs cut by the statement timeout make a lower bound). */
async function timeNaive(run: SizeRun, runner: QueryRunner, contexts: BenchContexts, ours: QueryFigures[]): Promise<NaiveFigures[]> {
  const figures: NaiveFigures[] = [];
  for (const query of naiveQueries(run.queries)) {
    const timing = await timeQuery(runner, query, contexts.contexts.get(query.dashboard.uid)!.base, { ...run.loop, ...NAIVE_LOOP });
    const pair = NAIVE_PAIRS.find((p) => p.naive === query.name)!.ours;
    const oursMedianMs = ours.find((f) => f.name === pair)!.default.medianMs;
    figures.push({
      naive: query.name,
      ours: pair,
      timing,
      oursMedianMs,
      ratio: Number((timing.medianMs / oursMedianMs).toPrecision(3)),
      lowerBound: timing.failed > 0,
    });
    run.options.log(`  ${query.name.padEnd(22)} ${timing.medianMs} ms median${timing.failed ? ` (${timing.failed} of ${timing.runs} runs cut: ${timing.error})` : ""}`);
  }
  return figures;
}

/** The whole main dashboard as the browser loads it: every panel, its SQL panels alone, narrowed; and the
 *  database CPU of the viewers refreshing it. */
async function timeMainDashboard(run: SizeRun, runner: QueryRunner, contexts: BenchContexts): Promise<Pick<ModeFigures, "dashboard" | "viewers">> {
  const { config, main, datasources, loop, options } = run;
  const databasePanels = dashboardPanels(main)
    .filter((p) => p.targets.every((t) => datasources.find((ds) => ds.uid === targetDatasource(p, t)?.uid)?.type === POSTGRES_TYPE))
    .map((p) => p.title);
  const whole: DashboardRun = { dashboard: main, datasources, ...contexts.ranges.get(main.uid)! };
  options.log(`  the whole main dashboard, ${options.runs} loads`);
  const dashboard = {
    all: await timeDashboard(config, runner, whole, loop),
    database: await timeDashboard(config, runner, { ...whole, panels: databasePanels }, loop),
    narrow: await timeDashboard(config, runner, { ...whole, variables: contexts.overrides(main) }, loop),
  };
  const viewers = await viewerCost(run, runner, { ...whole, panels: databasePanels });
  return { dashboard, viewers };
}

/** The viewers refreshing the main dashboard once a minute each: the database CPU of that many loads of
 *  its SQL panels (variables included, though a refresh does not rerun them), from the backends. */
async function viewerCost(run: SizeRun, runner: QueryRunner, dashboard: DashboardRun): Promise<ViewerFigures> {
  const { config, admin } = run;
  const viewers = run.options.viewers;
  const load = () => runCheck(config, { dashboards: [dashboard.dashboard], datasources: dashboard.datasources, runner, from: dashboard.from, to: dashboard.to, panels: dashboard.panels });
  let measure: CpuMeasure = { unavailable: "not measured" };
  for (let attempt = 0; attempt < 3; attempt++) {
    await load(); // opens the pool's connections, which the measure reads
    measure = await measureBackendCpu(admin, config.postgres.database, config.monitorRole.user, async () => {
      for (let i = 0; i < viewers; i++) await load();
    });
    if (!("unavailable" in measure) || !measure.unavailable.includes("changed")) break;
  }
  if ("unavailable" in measure) return { viewers, cpuSecondsPerMinute: null, percentOfOneCore: null, wallMsPerRefresh: null, unavailable: measure.unavailable };
  return {
    viewers,
    cpuSecondsPerMinute: Math.round(measure.cpuSeconds * 1000) / 1000,
    percentOfOneCore: Math.round((measure.cpuSeconds / 60) * 100 * 1000) / 1000,
    wallMsPerRefresh: Math.round((measure.wallSeconds * 1000) / viewers),
  };
}

function growth(small: SizeFigures, large: SizeFigures): GrowthRow[] {
  const rows: GrowthRow[] = [];
  for (const mode of large.modes) {
    const before = small.modes.find((m) => m.indexes === mode.indexes);
    if (!before) continue;
    const pairs: [string, number | undefined, number][] = [
      ...mode.queries.map((q): [string, number | undefined, number] => [q.name, before.queries.find((b) => b.name === q.name)?.default.medianMs, q.default.medianMs]),
      ["whole dashboard", before.dashboard.all.medianMs, mode.dashboard.all.medianMs],
    ];
    for (const [name, smallMs, largeMs] of pairs) {
      if (smallMs === undefined) continue;
      rows.push({ name, indexes: mode.indexes, smallMs, largeMs, factor: Math.round((largeMs / smallMs) * 100) / 100 });
    }
  }
  return rows;
}

