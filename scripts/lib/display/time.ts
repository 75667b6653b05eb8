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

export interface BrowserTimeOptions {
  /** The dashboard's time.from / time.to: `now-6h`, `now/d`, epoch milliseconds or an ISO date. */
  from: string;
  to: string;
  /** The dashboard's time zone (default "utc"); "browser" is this machine's. */
  timeZone?: string;
  /** The moment the dashboard loads (default: now). */
  now?: Date;
  /** The panel's maxDataPoints, when its JSON sets one. */
  maxDataPoints?: number;
  /** The panel's width in pixels, which Grafana uses when the panel sets no maxDataPoints. */
  widthPx?: number;
  /** The panel's `interval` (its min interval, e.g. "1m"). */
  minInterval?: string;
  /** The datasource's jsonData.timeInterval. */
  datasourceInterval?: string;
}

export interface BrowserTime {
  from: Date;
  to: Date;
  raw: { from: string; to: string };
  maxDataPoints: number;
  /** $__interval */
  interval: string;
  /** $__interval_ms */
  intervalMs: number;
}

/** The width of a dashboard's grid: Grafana on a 1920 px screen, less its menu. The preview draws at it,
 *  and check takes a panel's width on it for the panel's width in pixels, which it has no browser to
 *  measure (Grafana's maxDataPoints when the panel sets none). */
export const GRID_WIDTH_PX = 1600;

/** A panel's width in pixels on that grid, from its gridPos width (of 24 columns). */
export const panelWidthPx = (gridColumns: number) => Math.round((gridColumns / 24) * GRID_WIDTH_PX);

/** Scenes' maxDataPoints when the panel has no width yet */
const DEFAULT_MAX_DATA_POINTS = 500;

export async function browserTime(options: BrowserTimeOptions): Promise<BrowserTime> {
  const { dateMath, rangeUtil, dateTime } = await loadGrafanaData();
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

  for (const [name, value] of [["minInterval", options.minInterval], ["datasourceInterval", options.datasourceInterval]] as const) {
    if (value !== undefined && !rangeUtil.isValidTimeSpan(value)) throw badInput(`invalid ${name} "${value}" (use a duration such as 30s, 1m, 1h)`);
  }
  const maxDataPoints = options.maxDataPoints || options.widthPx || DEFAULT_MAX_DATA_POINTS;
  const range = { from: dateTime(from), to: dateTime(to), raw: { from: options.from, to: options.to } };
  const { interval, intervalMs } = rangeUtil.calculateInterval(range, maxDataPoints, options.minInterval || options.datasourceInterval);
  return { from, to, raw: range.raw, maxDataPoints, interval, intervalMs };
}
