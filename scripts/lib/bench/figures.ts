// The benchmark's report: what `bench` measures and prints (report.ts), judged against the targets
// (targets.ts). Shapes only.
import type { BenchDatabase } from "./database.ts";
import type { DashboardTiming, QueryTiming } from "./measure.ts";
import type { SqlQuery } from "./queries.ts";

export type IndexMode = "without" | "with";

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

export interface TargetVerdict {
  target: string;
  indexes: IndexMode;
  ok: boolean;
  detail: string;
}
