// The step of a Prometheus query and the variables Grafana's server puts into its expression, as Grafana's
// Prometheus library computes them (prometheus-facts §2-§4: models/query.go calculatePrometheusInterval
// and InterpolateVariables, intervalv2, the plugin SDK's gtime). All durations in milliseconds.

const MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const YEAR_MS = 365.25 * MS.d;
const MONTH_MS = YEAR_MS / 12;

/** The interval strings that stand for a variable: the step takes no minimum from them (§2 step 1). */
const INTERVAL_VARIABLES = ["$__interval", "${__interval}", "$__interval_ms", "${__interval_ms}"];
const RATE_INTERVAL_VARIABLES = ["$__rate_interval", "${__rate_interval}", "$__rate_interval_ms", "${__rate_interval_ms}"];

/** gtime's interval parse: `<` and `>` dropped, a bare number is seconds, units ms s m h d w M y. */
export function parseGrafanaInterval(text: string): number {
  const value = text.replace(/[<>]/g, "").trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * MS.s;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|M|y)$/.exec(value);
  if (!match) throw new Error(`time: invalid duration "${value}"`);
  const amount = Number(match[1]);
  const unit = match[2]!;
  if (unit === "M") return amount * MONTH_MS;
  if (unit === "y") return amount * YEAR_MS;
  return amount * MS[unit as keyof typeof MS];
}

// gtime.RoundInterval: the server's ladder, "at most" thresholds (§2).
const LADDER: [number, number][] = [
  [10, 1], [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500],
  [1500, 1000], [3500, 2000], [7500, 5000], [12_500, 10_000], [17_500, 15_000], [25_000, 20_000], [45_000, 30_000],
  [90_000, 60_000], [210_000, 120_000], [450_000, 300_000], [750_000, 600_000], [1_050_000, 900_000], [1_500_000, 1_200_000],
  [2_700_000, 1_800_000], [5_400_000, 3_600_000], [9_000_000, 7_200_000], [16_200_000, 10_800_000], [32_400_000, 21_600_000],
  [86_400_000, 43_200_000], [2 * MS.d, MS.d], [MS.w, MS.d], [3 * MS.w, MS.w],
];

export function roundIntervalServer(ms: number): number {
  for (const [limit, rounded] of LADDER) if (ms <= limit) return rounded;
  return ms < 6 * MS.w ? 30 * MS.d : 365 * MS.d;
}

export interface StepInput {
  /** The target's min step (`interval`), as the browser sent it. */
  interval: string;
  /** The datasource's jsonData.timeInterval (the scrape interval); "" when unset. */
  timeInterval: string;
  /** The browser's interval (the request's intervalMs); 0 when absent. */
  intervalMs: number;
  intervalFactor: number;
  rangeMs: number;
  /** The request's maxDataPoints; 0 means the library's 1500. */
  maxDataPoints: number;
}

/** The minimum interval (gtime.GetIntervalFrom with a 15 s default). */
function minInterval(interval: string, timeInterval: string, intervalMs: number): number {
  const own = interval === "0s" ? "" : interval;
  if (own) return parseGrafanaInterval(own);
  if (intervalMs) return intervalMs;
  return timeInterval ? parseGrafanaInterval(timeInterval) : 15 * MS.s;
}

/** The query's step (§2). A min step that does not parse fails the query, as on the server. */
export function prometheusStep(input: StepInput): number {
  const isRate = RATE_INTERVAL_VARIABLES.includes(input.interval);
  const interval = isRate || INTERVAL_VARIABLES.includes(input.interval) ? "" : input.interval;
  const minimum = minInterval(interval, input.timeInterval, input.intervalMs);
  const resolution = input.maxDataPoints || 1500;
  const raw = Math.floor((input.rangeMs * 1e6) / resolution) / 1e6;
  const calculated = raw < minimum ? minimum : roundIntervalServer(raw);
  const safe = roundIntervalServer(input.rangeMs / 11_000);
  const adjusted = Math.max(calculated, safe);
  if (isRate) return rateIntervalOf(adjusted, input.timeInterval || "15s");
  return adjusted * (input.intervalFactor || 1);
}

/** max(interval + scrape, 4 × scrape); a scrape that does not parse makes it 0 (§4). */
function rateIntervalOf(intervalMs: number, scrape: string): number {
  let scrapeMs: number;
  try {
    scrapeMs = parseGrafanaInterval(scrape);
  } catch {
    return 0;
  }
  return Math.max(intervalMs + scrapeMs, 4 * scrapeMs);
}

/** $__rate_interval (§4): the scrape is the min step if set (the step itself for $__interval), else the
 *  datasource's scrape interval, else 15 s; a min step of $__rate_interval makes it the step. */
export function rateInterval(input: StepInput, stepMs: number): number {
  if (RATE_INTERVAL_VARIABLES.includes(input.interval)) return stepMs;
  let scrape = input.interval || input.timeInterval || "15s";
  if (INTERVAL_VARIABLES.includes(scrape)) scrape = `${stepMs}ms`;
  return rateIntervalOf(input.intervalMs, scrape);
}

/** gtime.FormatInterval: the largest whole unit only, truncated (90 s is "1m"). */
export function formatInterval(ms: number): string {
  const units: [string, number][] = [["y", 365 * MS.d], ["d", MS.d], ["h", MS.h], ["m", MS.m], ["s", MS.s]];
  for (const [unit, size] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return `${Math.max(1, Math.floor(ms))}ms`;
}

/** Go's time.Duration.String(): 1m0s, 2m10s, 15s, 1h0m0s, 500ms, 0s. */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  if (abs < 1000) {
    if (abs >= 1) return `${sign}${trim(abs)}ms`;
    return abs >= 0.001 ? `${sign}${trim(abs * 1000)}µs` : `${sign}${trim(abs * 1e6)}ns`;
  }
  const hours = Math.floor(abs / MS.h);
  const minutes = Math.floor((abs % MS.h) / MS.m);
  const seconds = trim((abs % MS.m) / 1000);
  if (hours) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

const trim = (n: number) => String(Number(n.toFixed(9)));

/** The server's variables put into the expression, longest names first (§4). */
export function interpolateServerVariables(expr: string, values: { stepMs: number; rangeMs: number; rateIntervalMs: number }): string {
  const rangeSeconds = Math.round(values.rangeMs / 1000);
  const replacements: [string, string][] = [
    ["__interval_ms", String(Math.round(values.stepMs))],
    ["__interval", formatInterval(values.stepMs)],
    ["__range_ms", String(Math.round(values.rangeMs))],
    ["__range_s", String(rangeSeconds)],
    ["__range", `${rangeSeconds}s`],
    ["__rate_interval_ms", String(Math.round(values.rateIntervalMs))],
    ["__rate_interval", goDuration(values.rateIntervalMs)],
  ];
  let out = expr;
  for (const [name, value] of replacements) out = out.replaceAll(`\${${name}}`, value).replaceAll(`$${name}`, value);
  return out;
}

/** A range query's start and end: both rounded down to a multiple of the step in the browser's zone (§3). */
export function alignRange(fromMs: number, toMs: number, stepMs: number, utcOffsetSec = 0): { start: number; end: number } {
  const offset = utcOffsetSec * 1000;
  const align = (t: number) => Math.floor((t + offset) / stepMs) * stepMs - offset;
  return { start: align(fromMs), end: align(toMs) };
}
