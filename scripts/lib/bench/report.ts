// The benchmark's figures as tables for people (--json prints the report itself).
import type { BenchReport, ModeFigures, SizeFigures } from "./figures.ts";
import type { Timing } from "./stats.ts";

const ms = (t: Timing | null) => (t ? `${fmt(t.medianMs)} / ${fmt(t.p95Ms)}${t.failed ? ` (${t.failed} failed)` : ""}` : "-");
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const label = (rows: number) => (rows >= 1e6 ? `${rows / 1e6}M` : rows >= 1e3 ? `${rows / 1e3}k` : String(rows));

export function formatReport(report: BenchReport): string {
  const { machine } = report;
  const lines = [
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, PostgreSQL ${machine.postgres}; load average ` +
      `${machine.loadAverage.start.join(" ")} at start, ${machine.loadAverage.end.join(" ")} at end; calibration ${fmt(machine.calibrationMs)} ms ` +
      "(SELECT sum(x) FROM generate_series(1, 1000000))",
    `times: milliseconds, median / p95 over ${report.runs} runs, as the read-only role through the check engine`,
  ];
  for (const size of report.sizes) lines.push("", ...formatSize(size));
  if (report.growth.length) {
    const small = label(report.sizes[0]!.rows);
    const large = label(report.sizes.at(-1)!.rows);
    lines.push("", `growth from ${small} to ${large} rows (default variables, median ms)`);
    lines.push(`${"query".padEnd(24)} ${"indexes".padEnd(8)} ${small.padStart(9)} ${large.padStart(9)} ${"x".padStart(7)}`);
    for (const g of report.growth) {
      lines.push(`${g.name.padEnd(24)} ${g.indexes.padEnd(8)} ${fmt(g.smallMs).padStart(9)} ${fmt(g.largeMs).padStart(9)} ${g.factor.toFixed(2).padStart(7)}`);
    }
  }
  lines.push("", `targets at ${label(report.sizes.at(-1)!.rows)} rows`);
  for (const t of report.targets) lines.push(`${t.ok ? "met   " : "MISSED"} ${t.target} (${t.indexes} indexes): ${t.detail}`);
  return lines.join("\n");
}

function formatSize(size: SizeFigures): string[] {
  const seed = size.database.seed;
  const lines = [
    `== ${size.database.name}: ${size.rows} signals and ${size.rows} orders` +
      (seed ? ` over ${seed.days} days, seeded in ${seed.seedSeconds} s + ANALYZE ${seed.analyzeSeconds} s${size.database.seededNow ? " (now)" : ` (${seed.seededAt})`}` : ""),
    `range ${size.range.from} .. ${size.range.to}; narrow: ${Object.entries(size.narrow).map(([k, v]) => `${k}=${v}`).join(", ")}`,
  ];
  for (const mode of size.modes) lines.push("", ...formatMode(mode));
  return lines;
}

function formatMode(mode: ModeFigures): string[] {
  const lines = [
    `-- ${mode.indexes} the recommended indexes${mode.present.length ? ` (present: ${mode.present.join(", ")})` : ""}` +
      (Object.keys(mode.buildSeconds).length ? `; built in ${Object.entries(mode.buildSeconds).map(([n, s]) => `${n} ${s} s`).join(", ")}` : ""),
    `${"query".padEnd(24)} ${"default".padStart(18)} ${"narrow".padStart(18)} ${"rows".padStart(5)}  panel`,
  ];
  for (const q of mode.queries) {
    lines.push(`${q.name.padEnd(24)} ${ms(q.default).padStart(18)} ${ms(q.narrow).padStart(18)} ${String(q.default.rows).padStart(5)}  ${q.panels.join("; ")}`);
  }
  lines.push(`${"naive version".padEnd(24)} ${"naive".padStart(18)} ${"ours (median)".padStart(18)}  ours is`);
  for (const n of mode.naive) {
    const bound = n.lowerBound ? ">=" : "";
    const verdict = n.ratio >= 1 || n.lowerBound ? `${bound}${n.ratio}x faster` : `${Number((1 / n.ratio).toPrecision(3))}x slower`;
    lines.push(`${n.naive.padEnd(24)} ${(bound + ms(n.timing)).padStart(18)} ${fmt(n.oursMedianMs).padStart(18)}  ${verdict} (${n.ours})` +
      (n.lowerBound ? `; naive runs cut: ${n.timing.error}` : ""));
  }
  const d = mode.dashboard;
  lines.push(`whole main dashboard: every panel ${ms(d.all)} (${d.all.panels} panels); its SQL panels alone ${ms(d.database)}; narrow ${ms(d.narrow)}`);
  for (const f of d.all.failedPanels) lines.push(`  panel failed: ${f.panel}: ${f.error}`);
  const v = mode.viewers;
  lines.push(
    v.cpuSecondsPerMinute === null
      ? `${v.viewers} viewers refreshing every minute: not measured (${v.unavailable})`
      : `${v.viewers} viewers refreshing every minute: ${v.cpuSecondsPerMinute} database CPU s a minute, ${v.percentOfOneCore}% of one core (${v.wallMsPerRefresh} ms a refresh)`,
  );
  return lines;
}
