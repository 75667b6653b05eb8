// `bench --prometheus`: the main dashboard's Prometheus panels timed as check runs them (Grafana's step,
// $__rate_interval and legend, prometheus-facts) over 24 hours and over 30 days of history. The history
// is backfilled with promtool into a Prometheus of the bench's own (prometheus-history.ts), not waited
// for; the series count is that history's and, where the stack's Prometheus runs, what it holds now.
import { join } from "node:path";
import { dashboardDefinitions, datasourceDefinitions, renderingOf } from "../../../grafana/index.ts";
import { DATASOURCE_UIDS } from "../../../grafana/datasources.ts";
import { MAIN_DASHBOARD } from "../../../grafana/dashboards/identity.ts";
import { dashboardPanels, targetDatasource } from "../check/dashboard-model.ts";
import { runCheck } from "../check/run.ts";
import { type Config, loadConfig } from "../config.ts";
import { ownPrometheus } from "../stack/scratch-prometheus.ts";
import { writeHistory } from "./prometheus-history.ts";
import { type Timing, summarize } from "./stats.ts";

export interface HistoryWindow {
  label: string;
  seconds: number;
  /** Seconds between two backfilled samples. */
  stepSeconds: number;
  /** The dashboard's range for it. */
  from: string;
}

export const HISTORY_WINDOWS: HistoryWindow[] = [
  { label: "24 h", seconds: 86_400, stepSeconds: 15, from: "now-24h" },
  { label: "30 days", seconds: 30 * 86_400, stepSeconds: 60, from: "now-30d" },
];

export interface WindowFigures {
  label: string;
  stepSeconds: number;
  series: number;
  samples: number;
  /** Writing the history and promtool's backfill, seconds. */
  backfillSeconds: number;
  /** Every Prometheus panel at once, as the dashboard loads them. */
  all: Timing;
  panels: { title: string; timing: Timing; rows: number; error: string | null }[];
}

export interface PrometheusPanelFigures {
  runs: number;
  windows: WindowFigures[];
  /** The stack's Prometheus now: series in its head block, and per job; null when none answers. */
  live: { headSeries: number; byJob: Record<string, number> } | null;
}

/** The titles of the main dashboard's panels that query Prometheus. */
export function prometheusPanelTitles(): string[] {
  const main = dashboardDefinitions().find((d) => d.uid === MAIN_DASHBOARD.uid)!;
  return dashboardPanels(main)
    .filter((panel) => panel.targets.some((target) => targetDatasource(panel, target)?.uid === DATASOURCE_UIDS.prometheus))
    .map((panel) => panel.title);
}

async function instant(url: string, expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.data?.result ?? [];
}

async function liveSeries(config: Config): Promise<PrometheusPanelFigures["live"]> {
  try {
    const [head] = await instant(config.prometheus.url, "prometheus_tsdb_head_series");
    const byJob = await instant(config.prometheus.url, 'count by (job) ({__name__=~".+"})');
    if (!head) return null;
    return { headSeries: Number(head.value[1]), byJob: Object.fromEntries(byJob.map((r) => [r.metric.job ?? "", Number(r.value[1])])) };
  } catch {
    return null;
  }
}

async function measureWindow(config: Config, window: HistoryWindow, runs: number, log: (line: string) => void): Promise<WindowFigures> {
  const to = Math.floor(Date.now() / 1000 / window.stepSeconds) * window.stepSeconds;
  const started = performance.now();
  let written = { series: 0, samples: 0 };
  log(`prometheus: backfilling ${window.label} of history at ${window.stepSeconds} s`);
  const prometheus = await ownPrometheus({
    openMetricsFile: async (dir) => {
      const path = join(dir, "history.om");
      written = await writeHistory(path, { from: to - window.seconds, to, stepSeconds: window.stepSeconds });
      return path;
    },
    // A day's blocks, as compaction would leave a long history (2 h blocks would mean 360 for 30 days).
    maxBlockDuration: "24h",
  });
  const backfillSeconds = (performance.now() - started) / 1000;
  try {
    const own = loadConfig({ envFile: "/dev/null", env: { ...config.values, PROMETHEUS_URL: prometheus.url, PROMETHEUS_SCRAPE_INTERVAL: "15s" } });
    const titles = prometheusPanelTitles();
    // Built once: a timed run is the panels' queries, not the dashboards' construction.
    const dashboards = dashboardDefinitions(renderingOf(own));
    const datasources = datasourceDefinitions(own);
    const once = () => runCheck(own, { dashboards, datasources, dashboard: MAIN_DASHBOARD.uid, panels: titles, from: window.from, to: "now" });
    await once();
    const all: number[] = [];
    const byPanel = new Map<string, { times: number[]; rows: number; error: string | null }>();
    for (let run = 0; run < runs; run++) {
      const began = performance.now();
      const result = await once();
      all.push(performance.now() - began);
      for (const panel of result.panels.filter((p) => p.kind === "panel")) {
        const entry = byPanel.get(panel.panel) ?? { times: [], rows: panel.rows, error: panel.error };
        entry.times.push(panel.ms);
        byPanel.set(panel.panel, entry);
      }
    }
    log(`prometheus: ${window.label}: ${runs} runs of ${titles.length} panels`);
    return {
      label: window.label,
      stepSeconds: window.stepSeconds,
      series: written.series,
      samples: written.samples,
      backfillSeconds,
      all: summarize(all),
      panels: titles.map((title) => {
        const entry = byPanel.get(title);
        return { title, timing: summarize(entry?.times ?? []), rows: entry?.rows ?? 0, error: entry ? entry.error : "not run" };
      }),
    };
  } finally {
    await prometheus.stop();
  }
}

export async function measurePrometheusPanels(config: Config, options: { runs: number; log?: (line: string) => void }): Promise<PrometheusPanelFigures> {
  const log = options.log ?? (() => {});
  const windows: WindowFigures[] = [];
  for (const window of HISTORY_WINDOWS) windows.push(await measureWindow(config, window, options.runs, log));
  return { runs: options.runs, windows, live: await liveSeries(config) };
}

export function formatPrometheusPanels(f: PrometheusPanelFigures): string {
  const ms = (t: Timing) => `median ${t.medianMs.toFixed(0)} ms, p95 ${t.p95Ms.toFixed(0)} ms`;
  const lines = [`Prometheus panels of the main dashboard, as check runs them (${f.runs} runs each, after one warm-up):`];
  for (const w of f.windows) {
    lines.push(
      `  ${w.label} of history (${w.series} series, a sample every ${w.stepSeconds} s, ${w.samples} samples; backfilled in ${w.backfillSeconds.toFixed(0)} s): all ${w.panels.length} panels at once ${ms(w.all)}`,
    );
    for (const p of w.panels) lines.push(`    ${p.title.padEnd(46)} ${ms(p.timing)}, ${p.rows} rows${p.error ? `  FAILED: ${p.error}` : ""}`);
  }
  if (f.live) {
    const jobs = Object.entries(f.live.byJob).map(([job, n]) => `${job || "no job (recording rules, ALERTS)"} ${n}`).join(", ");
    lines.push(`  The stack's Prometheus now: ${f.live.headSeries} series in its head block (${jobs})`);
  } else lines.push("  The stack's Prometheus did not answer: no live series count");
  return lines.join("\n");
}
