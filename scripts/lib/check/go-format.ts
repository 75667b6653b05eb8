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
export function parseGoDuration(text: string): number {
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
