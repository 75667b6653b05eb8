// Go standard-library behaviours that Grafana's server and Infinity show in their output: fmt's `%v`
// for floats, time.ParseDuration / gtime intervals, strconv.ParseFloat, encoding/json and
// url.QueryEscape. One place, so that every module prints numbers and durations as Go does.

/** fmt.Sprintf("%v", float64): %g with the shortest digits, exponent form when the exponent is < -4 or
 *  >= 6 (1000000 -> "1e+06", 0.00001 -> "1e-05"), at least two exponent digits. */
export function formatFloatV(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa, expText] = value.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  // within [-4, 6) JavaScript's shortest fixed notation equals Go's
  return String(value);
}

/** Go's RFC3339Nano in UTC: fractional seconds only when present, trailing zeros trimmed. */
export function formatRfc3339Nano(date: Date): string {
  const iso = date.toISOString(); // always .sssZ
  const [base, frac] = iso.slice(0, -1).split(".") as [string, string];
  const trimmed = frac.replace(/0+$/, "");
  return `${base}${trimmed ? `.${trimmed}` : ""}Z`;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** time.ParseDuration, in milliseconds (sub-millisecond parts kept as fractions). */
function parseGoDuration(text: string): number {
  const m = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(text);
  if (!m) throw new Error(`time: invalid duration "${text}"`);
  if (m[2] === "0") return 0;
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * DURATION_UNITS[part[2]!]!;
  }
  return m[1] === "-" ? -total : total;
}

/** gtime.ParseInterval in milliseconds: `Nd`, `Nw`, `NM`, `Ny` are calendar steps from now (UTC), the rest time.ParseDuration. */
export function parseGrafanaInterval(text: string, now: Date = new Date()): number {
  const calendar = /^(\d+)([dwMy])$/.exec(text);
  if (!calendar) return parseGoDuration(text);
  const n = Number(calendar[1]);
  const target = new Date(now.getTime());
  switch (calendar[2]) {
    case "d":
      target.setUTCDate(target.getUTCDate() + n);
      break;
    case "w":
      target.setUTCDate(target.getUTCDate() + n * 7);
      break;
    case "M":
      target.setUTCMonth(target.getUTCMonth() + n); // Go's AddDate normalises overflow (Jan 31 + 1M = Mar 2/3)
      break;
    case "y":
      target.setUTCFullYear(target.getUTCFullYear() + n);
      break;
  }
  return target.getTime() - now.getTime();
}

/** gtime.FormatInterval: the largest whole unit (y, d, h, m, s, ms), `1ms` below that. */
export function formatGrafanaInterval(ms: number): string {
  const year = 365 * 86_400_000;
  if (ms >= year) return `${Math.floor(ms / year)}y`;
  if (ms >= 86_400_000) return `${Math.floor(ms / 86_400_000)}d`;
  if (ms >= 3_600_000) return `${Math.floor(ms / 3_600_000)}h`;
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)}m`;
  if (ms >= 1000) return `${Math.floor(ms / 1000)}s`;
  if (ms >= 1) return `${Math.floor(ms)}ms`;
  return "1ms";
}

/** strconv.ParseFloat(s, 64): undefined where Go returns an error (including out-of-range values). */
export function parseGoFloat(text: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  // decimal only: Go's hexadecimal floats (0x1p-2) and underscores are not accepted here
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** strconv.ParseInt(s, 10, 64) for values a JavaScript number holds exactly. */
export function parseGoInt(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** encoding/json.Marshal of a decoded JSON value: compact, object keys sorted, `<>&` and U+2028/9 escaped. */
export function goJsonMarshal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") {
    return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(goJsonMarshal).join(",")}]`;
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort(compareGoStrings);
    return `{${keys.map((k) => `${goJsonMarshal(k)}:${goJsonMarshal(record[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Go's string ordering (bytes of UTF-8), used by sort.Strings. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  return ea.length - eb.length;
}

/** url.QueryEscape: everything but [A-Za-z0-9-_.~] escaped, space as `+`. */
export function goQueryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

/** url.QueryUnescape (`+` is a space); undefined on a bad escape, as Go returns an error. */
export function goQueryUnescape(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

/** fmt.Sprintf("%.0f", f): rounded half to even. */
export function formatFloatNoDecimals(value: number): string {
  const floor = Math.floor(value);
  const diff = value - floor;
  const rounded = diff > 0.5 || (diff === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return rounded.toFixed(0);
}

const DATE_LAYOUTS: Array<{ pattern: string; order: "ymd" | "mdy" }> = [
  { pattern: "(\\d{4})-(\\d{2})-(\\d{2})", order: "ymd" },
  { pattern: "(\\d{4})-(\\d{1,2})-(\\d{1,2})", order: "ymd" },
  { pattern: "(\\d{4})/(\\d{2})/(\\d{2})", order: "ymd" },
  { pattern: "(\\d{4})/(\\d{1,2})/(\\d{1,2})", order: "ymd" },
  { pattern: "(\\d{2})/(\\d{2})/(\\d{4})", order: "mdy" },
  { pattern: "(\\d{1,2})/(\\d{1,2})/(\\d{4})", order: "mdy" },
];
// "" | 15:04 | 15:04:05.999999 | 15:04:05.999999Z | 15:04:05.999999 -07:00 | 15:04:05 MST
const TIME_LAYOUT = "(?:[T ](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d+))?(?:(Z)|( [+-]\\d{2}:\\d{2})| ([A-Z]{3,5}))?)?)?";

/** utils.GetTimeFromString without a user layout: epoch ms (UTC unless the text carries a zone) or null. */
export function parseGoTimeString(text: string): number | null {
  const rfc = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (rfc) {
    const [, y, mo, d, h, mi, s, frac = "", zone] = rfc;
    return utcOrNull(+y!, +mo!, +d!, +h!, +mi!, +s!, frac, zone === "Z" ? undefined : zone);
  }
  if (/^\d{4}$/.test(text)) return Date.UTC(Number(text), 0, 1);
  for (const layout of DATE_LAYOUTS) {
    const m = new RegExp(`^${layout.pattern}${TIME_LAYOUT}$`).exec(text);
    if (!m) continue;
    // an unknown zone abbreviation (15:04:05 MST) is taken with a zero offset, as Go does
    const [, a, b, c, h, mi, s, frac = "", , offset] = m;
    const [y, mo, d] = layout.order === "ymd" ? [+a!, +b!, +c!] : [+c!, +a!, +b!];
    const result = utcOrNull(y, mo, d, h === undefined ? 0 : +h, mi === undefined ? 0 : +mi, s === undefined ? 0 : +s, frac, offset?.trim());
    if (result !== null) return result;
  }
  const month = /^(?:(\d{4})[-/](\d{2})|(\d{2})[-/](\d{4}))$/.exec(text);
  if (month) {
    const y = Number(month[1] ?? month[4]);
    const mo = Number(month[2] ?? month[3]);
    return mo >= 1 && mo <= 12 ? Date.UTC(y, mo - 1, 1) : null;
  }
  return null;
}

function utcOrNull(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string, offset?: string): number | null {
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s, Number(frac.padEnd(3, "0").slice(0, 3)));
  if (new Date(ms).getUTCDate() !== d) return null;
  if (!offset) return ms;
  const sign = offset.startsWith("-") ? -1 : 1;
  const [oh, om] = offset.slice(1).split(":").map(Number) as [number, number];
  return ms - sign * (oh * 60 + om) * 60_000;
}
