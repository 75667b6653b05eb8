// The time range and interval a panel's queries run with, computed by @grafana/data as the browser does
// on a Grafana 13 (Scenes) dashboard:
// - the range: dateMath on the dashboard's `time.from` / `time.to` in the dashboard's time zone, `to`
//   rounded up (`now/d` ends the day) (scenes evaluateTimeRange, via dateMath.toDateTime);
// - the interval: rangeUtil.calculateInterval(range, maxDataPoints, lower limit) (scenes
//   SceneQueryRunner.prepareRequests), where maxDataPoints is the panel's own, else the panel's width in
//   pixels (maxDataPointsFromWidth), else 500, and the lower limit is the panel's `interval` (min
//   interval), else the datasource's `jsonData.timeInterval`. $__interval is the interval's text ("1m"),
//   $__interval_ms its milliseconds.
import { badInput } from "../errors.ts";
import { loadGrafanaData } from "./grafana-data.ts";

/** The width of a dashboard's grid in CSS pixels, as check and the preview assume it: Grafana on a 1920 px
 *  screen, less its menu. A panel's width (and so its maxDataPoints and $__interval) is its share of it. */
export const GRID_WIDTH_PX = 1600;

/** A panel `columns` wide (of the grid's 24) in pixels on that grid. */
export const panelWidthPx = (columns: number) => Math.round((columns / 24) * GRID_WIDTH_PX);

export interface BrowserRangeOptions {
  /** The dashboard's time.from / time.to: `now-6h`, `now/d`, epoch milliseconds or an ISO date. */
  from: string;
  to: string;
  /** The dashboard's time zone (default "utc"); "browser" is this machine's. */
  timeZone?: string;
  /** The moment the dashboard loads (default: now). */
  now?: Date;
}

export interface IntervalOptions {
  /** The panel's maxDataPoints, when its JSON sets one. */
  maxDataPoints?: number;
  /** The panel's width in pixels, which Grafana uses when the panel sets no maxDataPoints. */
  widthPx?: number;
  /** The panel's `interval` (its min interval, e.g. "1m"). */
  minInterval?: string;
  /** The datasource's jsonData.timeInterval. */
  datasourceInterval?: string;
}

export type BrowserTimeOptions = BrowserRangeOptions & IntervalOptions;

export interface BrowserRange {
  from: Date;
  to: Date;
  raw: { from: string; to: string };
}

export interface PanelInterval {
  maxDataPoints: number;
  /** $__interval */
  interval: string;
  /** $__interval_ms */
  intervalMs: number;
}

export type BrowserTime = BrowserRange & PanelInterval;

/** Scenes' maxDataPoints when the panel has no width yet */
const DEFAULT_MAX_DATA_POINTS = 500;

/** The dashboard's range as the browser resolves it when the dashboard loads. */
export async function browserRange(options: BrowserRangeOptions): Promise<BrowserRange> {
  const { dateMath, dateTime } = await loadGrafanaData();
  const timezone = options.timeZone ?? "utc";
  const now = options.now ?? new Date();
  const problems: string[] = [];
  const resolve = (text: string, name: "from" | "to") => {
    const value = text.trim();
    // A dashboard (or its URL) may hold epoch milliseconds; dateMath reads only `now...` and ISO dates
    const parsed = /^\d+$/.test(value)
      ? dateTime(Number(value))
      : dateMath.toDateTime(value, { roundUp: name === "to", timezone, now: dateTime(now) });
    if (!value || !parsed?.isValid()) {
      problems.push(`${name}: "${text}" is not now[-+N unit][/unit], epoch milliseconds or an ISO date`);
      return undefined;
    }
    return new Date(parsed.valueOf());
  };
  const from = resolve(options.from, "from");
  const to = resolve(options.to, "to");
  if (from && to && from.getTime() > to.getTime()) problems.push(`from (${from.toISOString()}) is after to (${to.toISOString()})`);
  if (problems.length || !from || !to) throw badInput("invalid time range", problems);
  return { from, to, raw: { from: options.from, to: options.to } };
}

/** A panel's maxDataPoints and $__interval over this range, as Scenes computes them before its queries. */
export async function panelInterval(range: BrowserRange, options: IntervalOptions = {}): Promise<PanelInterval> {
  const { rangeUtil, dateTime } = await loadGrafanaData();
  for (const [name, value] of [["minInterval", options.minInterval], ["datasourceInterval", options.datasourceInterval]] as const) {
    if (value !== undefined && !rangeUtil.isValidTimeSpan(value)) throw badInput(`invalid ${name} "${value}" (use a duration such as 30s, 1m, 1h)`);
  }
  const maxDataPoints = options.maxDataPoints || options.widthPx || DEFAULT_MAX_DATA_POINTS;
  const timeRange = { from: dateTime(range.from), to: dateTime(range.to), raw: range.raw };
  const { interval, intervalMs } = rangeUtil.calculateInterval(timeRange, maxDataPoints, options.minInterval || options.datasourceInterval);
  return { maxDataPoints, interval, intervalMs };
}

/** The range and a panel's interval together. */
export async function browserTime(options: BrowserTimeOptions): Promise<BrowserTime> {
  const range = await browserRange(options);
  return { ...range, ...(await panelInterval(range, options)) };
}
