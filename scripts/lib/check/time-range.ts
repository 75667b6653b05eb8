// A dashboard's time range once resolved (the browser resolves it with @grafana/data's dateMath:
// display/time.ts browserRange), and the moment-style formatting of its ends that `${__from:date:...}`
// and Infinity's backend macros use.

export interface TimeRange {
  from: Date;
  to: Date;
  raw: { from: string; to: string };
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
