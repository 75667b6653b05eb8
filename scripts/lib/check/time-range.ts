// The dashboard time range as Grafana resolves it before /api/ds/query: relative forms (`now-6h`,
// `now-1d/d`), epoch milliseconds and ISO strings. Dashboards of this toolkit are UTC, so rounding and
// zone-less dates are UTC here.
import { badInput } from "../errors.ts";

export interface TimeRange {
  from: Date;
  to: Date;
  raw: { from: string; to: string };
}

type Unit = "y" | "M" | "w" | "d" | "h" | "m" | "s";
const UNITS = new Set<string>(["y", "M", "w", "d", "h", "H", "m", "s"]);

/** Resolves `from`/`to` as the browser does on load; `to` rounds up (`now/d` ends the day), as Grafana's dateMath. */
export function parseTimeRange(from: string, to: string, now: Date = new Date()): TimeRange {
  const problems: string[] = [];
  const resolve = (text: string, name: string, roundUp: boolean) => {
    try {
      return parseTime(text, now, roundUp);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return undefined;
    }
  };
  const fromDate = resolve(from, "from", false);
  const toDate = resolve(to, "to", true);
  if (problems.length || !fromDate || !toDate) throw badInput("invalid time range", problems);
  if (fromDate.getTime() > toDate.getTime()) {
    throw badInput("invalid time range", [`from (${fromDate.toISOString()}) is after to (${toDate.toISOString()})`]);
  }
  return { from: fromDate, to: toDate, raw: { from, to } };
}

function parseTime(text: string, now: Date, roundUp: boolean): Date {
  const value = text.trim();
  if (value === "") throw new Error("empty time");
  if (value.startsWith("now")) return applyDateMath(value.slice(3), now, roundUp, value);
  if (/^\d+$/.test(value)) return new Date(Number(value));
  const iso = parseIsoUtc(value);
  if (iso) return iso;
  throw new Error(`"${text}" is not now[-+N unit][/unit], epoch milliseconds or an ISO date`);
}

// Grafana's dateMath: a chain of `+N unit`, `-N unit` (N defaults to 1) and `/unit` after `now`.
function applyDateMath(math: string, now: Date, roundUp: boolean, original: string): Date {
  let date = new Date(now.getTime());
  let i = 0;
  while (i < math.length) {
    const op = math[i++];
    if (op === "/") {
      const unit = math[i++];
      if (!unit || !UNITS.has(unit)) throw new Error(`unknown unit after "/" in "${original}"`);
      if (unit === "w") throw new Error(`rounding to weeks ("/w") depends on the browser's locale and is not supported`);
      date = roundToUnit(date, normalizeUnit(unit), roundUp);
      continue;
    }
    if (op !== "+" && op !== "-") throw new Error(`unexpected "${op}" in "${original}"`);
    const digits = /^\d*/.exec(math.slice(i))![0];
    i += digits.length;
    const amount = digits === "" ? 1 : Number(digits);
    const unit = math[i++];
    if (!unit || !UNITS.has(unit)) throw new Error(`unknown or missing unit in "${original}" (use y M w d h m s)`);
    date = addUnits(date, normalizeUnit(unit), op === "-" ? -amount : amount);
  }
  return date;
}

function normalizeUnit(unit: string): Unit {
  return (unit === "H" ? "h" : unit) as Unit;
}

const FIXED_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function addUnits(date: Date, unit: Unit, amount: number): Date {
  if (unit === "M" || unit === "y") {
    const months = unit === "y" ? amount * 12 : amount;
    const target = new Date(date.getTime());
    const day = target.getUTCDate();
    target.setUTCDate(1);
    target.setUTCMonth(target.getUTCMonth() + months);
    // moment clamps to the month's last day (Jan 31 + 1M = Feb 28/29)
    const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
    target.setUTCDate(Math.min(day, lastDay));
    return target;
  }
  return new Date(date.getTime() + amount * FIXED_MS[unit]!);
}

function roundToUnit(date: Date, unit: Unit, roundUp: boolean): Date {
  const y = date.getUTCFullYear();
  const mo = date.getUTCMonth();
  const d = date.getUTCDate();
  const h = date.getUTCHours();
  const mi = date.getUTCMinutes();
  const s = date.getUTCSeconds();
  const starts: Record<Exclude<Unit, "w">, [number, number]> = {
    y: [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)],
    M: [Date.UTC(y, mo, 1), Date.UTC(y, mo + 1, 1)],
    d: [Date.UTC(y, mo, d), Date.UTC(y, mo, d + 1)],
    h: [Date.UTC(y, mo, d, h), Date.UTC(y, mo, d, h + 1)],
    m: [Date.UTC(y, mo, d, h, mi), Date.UTC(y, mo, d, h, mi + 1)],
    s: [Date.UTC(y, mo, d, h, mi, s), Date.UTC(y, mo, d, h, mi, s + 1)],
  };
  const [start, next] = starts[unit as Exclude<Unit, "w">];
  // moment's endOf(unit) is the last millisecond of the unit
  return new Date(roundUp ? next - 1 : start);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO 8601 date or date-time; without a zone it is UTC (the dashboards' zone). */
function parseIsoUtc(text: string): Date | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
  const ms = Number(frac.padEnd(3, "0").slice(0, 3));
  let time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(time);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return undefined;
  }
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return new Date(time);
}

/** moment-style tokens (YYYY MM DD HH hh mm ss SSS A, `[literal]`) in UTC, as `${__from:date:...}` formats. */
export function formatMomentUtc(date: Date, pattern: string): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const h24 = date.getUTCHours();
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  const tokens: Record<string, () => string> = {
    YYYY: () => pad(date.getUTCFullYear(), 4),
    YY: () => pad(date.getUTCFullYear() % 100),
    MM: () => pad(date.getUTCMonth() + 1),
    M: () => String(date.getUTCMonth() + 1),
    DD: () => pad(date.getUTCDate()),
    D: () => String(date.getUTCDate()),
    HH: () => pad(h24),
    H: () => String(h24),
    hh: () => pad(h12),
    h: () => String(h12),
    mm: () => pad(date.getUTCMinutes()),
    m: () => String(date.getUTCMinutes()),
    ss: () => pad(date.getUTCSeconds()),
    s: () => String(date.getUTCSeconds()),
    SSS: () => pad(date.getUTCMilliseconds(), 3),
    A: () => (h24 < 12 ? "AM" : "PM"),
    a: () => (h24 < 12 ? "am" : "pm"),
  };
  return pattern.replace(/\[([^\]]*)\]|YYYY|YY|SSS|MM|M|DD|D|HH|H|hh|h|mm|m|ss|s|A|a/g, (token, literal: string | undefined) =>
    literal !== undefined ? literal : tokens[token]!(),
  );
}
