// The bulk seed's clock and prices: time as the real tables hold it (TIMESTAMP without time zone, in
// UTC) and a smooth price path per asset, shared by every table the seed writes.
import { type Asset, MARKETS } from "./market.ts";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A smooth, deterministic price path per asset: two slow waves around its base price. */
export function marketPrice(asset: Asset, at: number): number {
  const { base, phase } = MARKETS[asset];
  const days = at / DAY;
  return base * (1 + 0.06 * Math.sin(days / 4.7 + phase) + 0.02 * Math.sin(days * 3.1 + 2 * phase));
}

// Time as the real tables hold it: TIMESTAMP without time zone, in UTC, formatted without Date objects
// (millions of rows: toISOString alone would cost seconds).

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, "0"));
const dates = new Map<number, string>();

/** Milliseconds since the epoch as 'YYYY-MM-DD HH:MM:SS.mmm' in UTC. */
export function utcText(ms: number): string {
  const whole = Math.floor(ms);
  const day = Math.floor(whole / DAY);
  let date = dates.get(day);
  if (date === undefined) {
    date = new Date(day * DAY).toISOString().slice(0, 10);
    dates.set(day, date);
  }
  let rest = whole - day * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = Math.floor(rest / 1000);
  return `${date} ${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}`;
}
