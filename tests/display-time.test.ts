// The time range and $__interval a panel's queries run with, as the browser computes them with
// @grafana/data (dateMath, rangeUtil.calculateInterval). Expected values worked out by hand from Grafana's
// interval rounding table (rangeutil.ts roundInterval): 24h over 1200 points is 72 s, which rounds to 1m.
import { describe, expect, test } from "bun:test";
import { isFailure } from "../scripts/lib/errors.ts";
import { browserRange, browserTime } from "../scripts/lib/display/time.ts";

/** The range of a dashboard in UTC (the toolkit's zone), loaded at `now`. */
const range = (from: string, to: string, now: Date) => browserRange({ from, to, now, timeZone: "utc" });

const now = new Date("2026-03-10T12:34:56.789Z");

describe("time range", () => {
  test("relative ranges from the moment the dashboard loads", async () => {
    const t = await browserTime({ from: "now-24h", to: "now", now, widthPx: 1200 });
    expect([t.from.toISOString(), t.to.toISOString()]).toEqual(["2026-03-09T12:34:56.789Z", "2026-03-10T12:34:56.789Z"]);
  });

  test("rounding in the dashboard's zone, `to` rounded up to the end of the unit", async () => {
    const utc = await browserTime({ from: "now/d", to: "now/d", now });
    expect([utc.from.toISOString(), utc.to.toISOString()]).toEqual(["2026-03-10T00:00:00.000Z", "2026-03-10T23:59:59.999Z"]);
    const tokyo = await browserTime({ from: "now/d", to: "now", now, timeZone: "Asia/Tokyo" });
    expect(tokyo.from.toISOString()).toBe("2026-03-09T15:00:00.000Z");
  });

  test("epoch milliseconds and ISO dates", async () => {
    const t = await browserTime({ from: "1700000000000", to: "2026-01-01T00:00:00Z", now });
    expect([t.from.toISOString(), t.to.toISOString()]).toEqual(["2023-11-14T22:13:20.000Z", "2026-01-01T00:00:00.000Z"]);
  });

  test("a bad range is refused with every problem", async () => {
    const error = await browserTime({ from: "now-1x", to: "yesterday", now }).catch((e) => e);
    expect(isFailure(error, "badInput")).toBe(true);
    expect(error.problems).toHaveLength(2);
    await expect(browserTime({ from: "now", to: "now-1h", now })).rejects.toThrow(/is after to/);
  });
});

describe("interval", () => {
  test("the range over the panel's width in pixels, rounded", async () => {
    const t = await browserTime({ from: "now-24h", to: "now", now, widthPx: 1200 });
    expect([t.maxDataPoints, t.interval, t.intervalMs]).toEqual([1200, "1m", 60_000]);
  });

  test("the panel's maxDataPoints before its width; 500 when neither is known", async () => {
    const t = await browserTime({ from: "now-7d", to: "now", now, maxDataPoints: 100, widthPx: 1200 });
    expect([t.maxDataPoints, t.interval]).toEqual([100, "2h"]);
    const unknown = await browserTime({ from: "now-24h", to: "now", now });
    expect([unknown.maxDataPoints, unknown.interval]).toEqual([500, "2m"]);
  });

  test("the panel's min interval, else the datasource's, is the lower limit", async () => {
    expect((await browserTime({ from: "now-1h", to: "now", now, widthPx: 1200, datasourceInterval: "1m" })).interval).toBe("1m");
    expect((await browserTime({ from: "now-1h", to: "now", now, widthPx: 1200, minInterval: "5m", datasourceInterval: "1m" })).intervalMs).toBe(300_000);
    await expect(browserTime({ from: "now-1h", to: "now", now, minInterval: "5x" })).rejects.toThrow(/invalid minInterval "5x"/);
  });
});

describe("the range check runs with (browserRange)", () => {
  const now = new Date("2026-07-15T12:34:56.789Z");
  test("relative forms", async () => {
    const r = (await range("now-6h", "now", now));
    expect(r.from.toISOString()).toBe("2026-07-15T06:34:56.789Z");
    expect(r.to.toISOString()).toBe("2026-07-15T12:34:56.789Z");
    expect(r.raw).toEqual({ from: "now-6h", to: "now" });
    expect((await range("now-7d", "now", now)).from.toISOString()).toBe("2026-07-08T12:34:56.789Z");
    expect((await range("now-30m", "now", now)).from.toISOString()).toBe("2026-07-15T12:04:56.789Z");
    expect((await range("now-2w", "now", now)).from.toISOString()).toBe("2026-07-01T12:34:56.789Z");
    expect((await range("now-45s", "now", now)).from.toISOString()).toBe("2026-07-15T12:34:11.789Z");
    expect((await range("now-1M", "now", now)).from.toISOString()).toBe("2026-06-15T12:34:56.789Z");
    expect((await range("now-1y", "now", now)).from.toISOString()).toBe("2025-07-15T12:34:56.789Z");
  });
  test("month arithmetic clamps to the month's end", async () => {
    const endOfMarch = new Date("2026-03-31T00:00:00Z");
    expect((await range("now-1M", "now", endOfMarch)).from.toISOString()).toBe("2026-02-28T00:00:00.000Z");
  });
  test("rounding: from rounds down, to rounds up", async () => {
    const r = (await range("now-1d/d", "now-1d/d", now));
    expect(r.from.toISOString()).toBe("2026-07-14T00:00:00.000Z");
    expect(r.to.toISOString()).toBe("2026-07-14T23:59:59.999Z");
    expect((await range("now/d", "now", now)).from.toISOString()).toBe("2026-07-15T00:00:00.000Z");
    expect((await range("now/h", "now", now)).from.toISOString()).toBe("2026-07-15T12:00:00.000Z");
  });
  test("epoch milliseconds and ISO strings", async () => {
    const r = (await range("1783460000000", "2026-07-08T00:00:00Z", now));
    expect(r.from.getTime()).toBe(1783460000000);
    expect(r.to.toISOString()).toBe("2026-07-08T00:00:00.000Z");
    expect((await range("2026-07-08", "2026-07-09 10:00:00", now)).to.toISOString()).toBe("2026-07-09T10:00:00.000Z");
    expect((await range("2026-07-08T02:00:00+02:00", "now", now)).from.toISOString()).toBe("2026-07-08T00:00:00.000Z");
  });
  test("bad input (exit 2) names each bad end", async () => {
    for (const [from, to] of [["yesterday", "now"], ["now-5x", "now"], ["now", "now-1h"], ["2026-02-30", "now"]] as const) {
      expect(await range(from, to, now).catch((e) => e.kind)).toBe("badInput");
    }
    const error = await range("yesterday", "later", now).catch((e) => e);
    expect(error.problems).toHaveLength(2);
  });
});
