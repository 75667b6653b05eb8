// `bench`: the dashboards' SQL timed at a large and a smaller table size, with and without the recommended
// indexes, beside the naive versions, plus the database CPU of viewers refreshing the main dashboard.
import { cpus, loadavg, totalmem } from "node:os";
import type { Config } from "../config.ts";
import { dashboardDefinitions, datasourceDefinitions } from "../../../grafana/index.ts";
import { POSTGRES_TYPE } from "../../../grafana/datasources.ts";
import { MAIN_UID } from "../../../grafana/dashboards/uids.ts";
import { dashboardPanels, targetDatasource } from "../check/dashboard-model.ts";
import { runCheck } from "../check/run.ts";
import { demoSql } from "../demo/index.ts";
import { benchContexts } from "./contexts.ts";
import { type CpuMeasure, measureBackendCpu } from "./cpu.ts";
import { type BenchDatabase, defaultDatabaseName, prepareDatabase, withDatabase } from "./database.ts";
import { createIndexes, dropIndexes, presentIndexes } from "./indexes.ts";
import { type DashboardTiming, type LoopOptions, type QueryTiming, WarmSources, timeDashboard, timeQuery } from "./measure.ts";
import { NAIVE_PAIRS, type SqlQuery, dashboardSqlQueries, naiveQueries } from "./queries.ts";
import { summarize } from "./stats.ts";
import { type TargetVerdict, judgeTargets } from "./targets.ts";

export type IndexMode = "without" | "with";

export interface BenchOptions {
  /** Signals (and orders) of the main size, and of the smaller size compared with it (null: none). */
  rows: number;
  baselineRows: number | null;
  database?: string;
  baselineDatabase?: string;
  runs: number;
  modes: IndexMode[];
  viewers: number;
  log: (line: string) => void;
}

export interface QueryFigures {
  name: string;
  dashboard: string;
  panels: string[];
  kind: SqlQuery["kind"];
  default: QueryTiming;
  /** With one strategy, one asset, one event type (or one signal on the trace dashboard); null when the
   *  query reads none of those variables. */
  narrow: QueryTiming | null;
}

export interface NaiveFigures {
  naive: string;
  ours: string;
  timing: QueryTiming;
  oursMedianMs: number;
  /** naive median / ours median; a lower bound when naive runs were cut by the statement timeout. */
  ratio: number;
  lowerBound: boolean;
}

export interface ViewerFigures {
  viewers: number;
  /** Database CPU seconds for one minute of `viewers` viewers each refreshing once (variables included). */
  cpuSecondsPerMinute: number | null;
  percentOfOneCore: number | null;
  wallMsPerRefresh: number | null;
  unavailable?: string;
}

export interface ModeFigures {
  indexes: IndexMode;
  /** Recommended indexes present during the measures, and the seconds each took to build (with). */
  present: string[];
  buildSeconds: Record<string, number>;
  queries: QueryFigures[];
  naive: NaiveFigures[];
  dashboard: { all: DashboardTiming; database: DashboardTiming; narrow: DashboardTiming };
  viewers: ViewerFigures;
}

export interface SizeFigures {
  rows: number;
  database: BenchDatabase;
  range: { from: string; to: string };
  narrow: Record<string, string>;
  modes: ModeFigures[];
}

export interface GrowthRow {
  name: string;
  indexes: IndexMode;
  smallMs: number;
  largeMs: number;
  factor: number;
}

export interface BenchReport {
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    postgres: string;
    /** 1, 5 and 15 minute load averages when the benchmark started and ended (other work on the machine). */
    loadAverage: { start: number[]; end: number[] };
    /** Median ms of SELECT sum(x) FROM generate_series(1, 1000000): how fast this server is right now,
     *  for comparing figures taken on different machines or under different load. */
    calibrationMs: number;
  };
  runs: number;
  sizes: SizeFigures[];
  growth: GrowthRow[];
  targets: TargetVerdict[];
  /** False when a query of the dashboards, or a panel of a whole-dashboard load, failed (not a missed
   *  target: those are in `targets`). */
  ok: boolean;
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
    const db = await prepareDatabase(config, { rows, database, log: options.log });
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

async function benchSize(
  config: Config,
  db: BenchDatabase,
  options: BenchOptions,
): Promise<{ size: SizeFigures; server: { version: string; calibrationMs: number } }> {
  const { log } = options;
  const dashboards = dashboardDefinitions();
  const datasources = datasourceDefinitions(config);
  const main = dashboards.find((d) => d.uid === MAIN_UID)!;
  const queries = dashboardSqlQueries(dashboards, datasources);
  const naive = naiveQueries(queries);
  const admin = demoSql(config);
  try {
    const [{ version }] = (await admin`SELECT current_setting('server_version') AS version`) as unknown as [{ version: string }];
    const calibration: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await admin`SELECT sum(x) FROM generate_series(1, 1000000) x`;
      calibration.push(performance.now() - started);
    }
    const loop: LoopOptions = { runs: options.runs, warmup: 2 };
    const modes: ModeFigures[] = [];
    let range = { from: "", to: "" };
    let narrowed: Record<string, string> = {};
    for (const mode of options.modes) {
      let buildSeconds: Record<string, number> = {};
      if (mode === "with") {
        log(`${db.name}: creating the recommended indexes (sql/indexes.sql)`);
        buildSeconds = await createIndexes(admin);
        // Their index-only scans skip rows only on all-visible pages: the state autovacuum keeps when tuned
        // as sql/indexes.sql says (every ~10k inserts), which a freshly seeded table may not be in yet.
        log(`${db.name}: VACUUM orders, trading_signals (as autovacuum tuned per sql/indexes.sql keeps them)`);
        await admin`VACUUM orders, trading_signals`;
      } else {
        await dropIndexes(admin);
      }
      const present = await presentIndexes(admin);
      log(`${db.name}, ${mode} the recommended indexes: timing ${queries.length} queries, ${options.runs} runs each`);
      const sources = new WarmSources(config, datasources);
      try {
        const { ranges, narrow, contexts, overrides } = await benchContexts(admin, sources, dashboards, queries, db.dataEnd);
        range = ranges.get(main.uid)!;
        narrowed = narrow;
        const figures: QueryFigures[] = [];
        for (const query of queries) {
          const context = contexts.get(query.dashboard.uid)!;
          const filtered = query.uses.some((name) => name in narrow);
          figures.push({
            name: query.name,
            dashboard: query.dashboard.uid,
            panels: query.panels,
            kind: query.kind,
            default: await timeQuery(sources, query, context.base, loop),
            narrow: filtered ? await timeQuery(sources, query, context.narrow, loop) : null,
          });
          log(`  ${query.name.padEnd(22)} ${figures.at(-1)!.default.medianMs} ms median`);
        }
        const naiveFigures: NaiveFigures[] = [];
        for (const query of naive) {
          const timing = await timeQuery(sources, query, contexts.get(query.dashboard.uid)!.base, { ...loop, ...NAIVE_LOOP });
          const ours = NAIVE_PAIRS.find((p) => p.naive === query.name)!.ours;
          const oursMedianMs = figures.find((f) => f.name === ours)!.default.medianMs;
          naiveFigures.push({
            naive: query.name,
            ours,
            timing,
            oursMedianMs,
            ratio: Number((timing.medianMs / oursMedianMs).toPrecision(3)),
            lowerBound: timing.failed > 0,
          });
          log(`  ${query.name.padEnd(22)} ${timing.medianMs} ms median${timing.failed ? ` (${timing.failed} of ${timing.runs} runs cut: ${timing.error})` : ""}`);
        }
        const databasePanels = dashboardPanels(main)
          .filter((p) => p.targets.every((t) => datasources.find((ds) => ds.uid === targetDatasource(p, t)?.uid)?.type === POSTGRES_TYPE))
          .map((p) => p.title);
        const whole = { dashboard: main, datasources, ...ranges.get(main.uid)! };
        log(`  the whole main dashboard, ${options.runs} loads`);
        const dashboard = {
          all: await timeDashboard(config, sources, whole, loop),
          database: await timeDashboard(config, sources, { ...whole, panels: databasePanels }, loop),
          narrow: await timeDashboard(config, sources, { ...whole, variables: overrides(main) }, loop),
        };
        const viewers = await viewerCost(config, admin, sources, { ...whole, panels: databasePanels }, options.viewers);
        modes.push({ indexes: mode, present, buildSeconds, queries: figures, naive: naiveFigures, dashboard, viewers });
      } finally {
        await sources.close();
      }
    }
    return { size: { rows: db.rows, database: db, range, narrow: narrowed, modes }, server: { version, calibrationMs: summarize(calibration).medianMs } };
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** `viewers` viewers refreshing the main dashboard once a minute each: the database CPU of that many
 *  loads of its SQL panels (variables included, though a refresh does not rerun them), from the backends. */
async function viewerCost(
  config: Config,
  admin: ReturnType<typeof demoSql>,
  sources: WarmSources,
  run: Parameters<typeof timeDashboard>[2],
  viewers: number,
): Promise<ViewerFigures> {
  const load = () =>
    runCheck(config, { dashboards: [run.dashboard], datasources: run.datasources, runner: sources.runner, from: run.from, to: run.to, panels: run.panels });
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

