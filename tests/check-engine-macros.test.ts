// PostgreSQL macro expansion, case by case from grafana-facts §6.2 (and the Grafana macros_test.go cases
// it was read from). Expected strings are written by hand.
import { describe, expect, test } from "bun:test";
import { expandPostgresMacros, MacroError } from "../scripts/lib/check/postgres-macros.ts";
import type { TimeRange } from "../scripts/lib/check/time-range.ts";

function range(from: string, to: string): TimeRange {
  return { from: new Date(from), to: new Date(to), raw: { from, to } };
}

const fiveMinutes = range("2018-04-12T18:00:00Z", "2018-04-12T18:05:00Z");
const expand = (sql: string, r: TimeRange = fiveMinutes, intervalMs = 60_000) => expandPostgresMacros(sql, { range: r, intervalMs });

function macroError(sql: string): MacroError {
  try {
    expand(sql);
  } catch (error) {
    if (error instanceof MacroError) return error;
    throw error;
  }
  throw new Error(`expected ${sql} to fail`);
}

describe("global substitutions (applied first)", () => {
  test("$__interval_ms is the query interval in ms", () => {
    expect(expand("SELECT $__interval_ms", fiveMinutes, 60_000)).toBe("SELECT 60000");
  });
  test("$__interval is the interval as a Grafana duration", () => {
    expect(expand("SELECT '$__interval'", fiveMinutes, 600_000)).toBe("SELECT '10m'");
    expect(expand("SELECT '$__interval'", fiveMinutes, 60_000)).toBe("SELECT '1m'");
    expect(expand("SELECT '$__interval'", fiveMinutes, 30_000)).toBe("SELECT '30s'");
  });
  test("$__interval does not eat $__interval_ms", () => {
    expect(expand("$__interval_ms $__interval", fiveMinutes, 1000)).toBe("1000 1s");
  });
  test("$__unixEpochFrom() / $__unixEpochTo() are epoch seconds", () => {
    expect(expand("x > $__unixEpochFrom() AND x < $__unixEpochTo()")).toBe("x > 1523556000 AND x < 1523556300");
  });
});

describe("macros", () => {
  test("$__time(col) is col AS \"time\"", () => {
    expect(expand("select $__time(time_column)")).toBe('select time_column AS "time"');
    expect(expand("select min($__time(time_column))")).toBe('select min(time_column AS "time")');
  });
  test("$__timeEpoch(col) uses a lowercase as", () => {
    expect(expand("select $__timeEpoch(ts)")).toBe('select extract(epoch from ts) as "time"');
  });
  test("$__timeFilter(col) is a BETWEEN of RFC3339Nano UTC times", () => {
    expect(expand("WHERE $__timeFilter(ts)")).toBe("WHERE ts BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'");
  });
  test("fractional seconds print only when present", () => {
    const half = range("1960-02-01T07:00:00.5Z", "1980-02-03T08:00:00.5Z");
    expect(expand("WHERE $__timeFilter(time_column)", half)).toBe(
      "WHERE time_column BETWEEN '1960-02-01T07:00:00.5Z' AND '1980-02-03T08:00:00.5Z'",
    );
    const ms = range("2018-04-12T18:00:00.120Z", "2018-04-12T18:05:00Z");
    expect(expand("$__timeFrom()", ms)).toBe("'2018-04-12T18:00:00.12Z'");
  });
  test("$__timeFrom() and $__timeTo() are quoted times", () => {
    expect(expand("select $__timeFrom()")).toBe("select '2018-04-12T18:00:00Z'");
    expect(expand("select $__timeTo()")).toBe("select '2018-04-12T18:05:00Z'");
  });
  test("$__timeGroup(col,'5m') floors to 300 seconds", () => {
    expect(expand("SELECT $__timeGroup(time_column,'5m')")).toBe("SELECT floor(extract(epoch from time_column)/300)*300");
  });
  test("$__timeGroup arguments are trimmed", () => {
    expect(expand("$__timeGroup(time_column , '5m')")).toBe("floor(extract(epoch from time_column)/300)*300");
  });
  test("$__timeGroup prints seconds with Go %v", () => {
    expect(expand("$__timeGroup(ts,'20ms')")).toBe("floor(extract(epoch from ts)/0.02)*0.02");
    expect(expand("$__timeGroup(ts,'12d')")).toBe("floor(extract(epoch from ts)/1.0368e+06)*1.0368e+06");
  });
  test("$__timeGroupAlias adds AS \"time\"", () => {
    expect(expand("SELECT $__timeGroupAlias(time_column,'5m')")).toBe('SELECT floor(extract(epoch from time_column)/300)*300 AS "time"');
  });
  test("pre-5.3: $__timeGroup directly followed by a comma is the alias form", () => {
    expect(expand("SELECT $__timeGroup(time_column,'5m'), value")).toBe('SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value');
    expect(expand("SELECT $__timeGroup(time_column,'5m') as time, value")).toBe("SELECT floor(extract(epoch from time_column)/300)*300 as time, value");
  });
  test("$__unixEpochFilter(col) compares epoch seconds", () => {
    expect(expand("select $__unixEpochFilter(time)")).toBe("select time >= 1523556000 AND time <= 1523556300");
    const old = range("1960-02-01T07:00:00Z", "1965-02-03T08:00:00Z");
    const from = Date.UTC(1960, 1, 1, 7) / 1000;
    const to = Date.UTC(1965, 1, 3, 8) / 1000;
    expect(expand("select $__unixEpochFilter(time)", old)).toBe(`select time >= ${from} AND time <= ${to}`);
  });
  test("$__unixEpochNanoFilter / NanoFrom / NanoTo are epoch nanoseconds", () => {
    expect(expand("select $__unixEpochNanoFilter(time)")).toBe("select time >= 1523556000000000000 AND time <= 1523556300000000000");
    expect(expand("select $__unixEpochNanoFrom()")).toBe("select 1523556000000000000");
    expect(expand("select $__unixEpochNanoTo()")).toBe("select 1523556300000000000");
  });
  test("$__unixEpochGroup(expr,'5m') and its alias", () => {
    expect(expand("SELECT $__unixEpochGroup(time_column+time_adjustment,'5m')")).toBe("SELECT floor((time_column+time_adjustment)/300)*300");
    expect(expand("SELECT $__unixEpochGroupAlias(time_column+time_adjustment,'5m')")).toBe(
      'SELECT floor((time_column+time_adjustment)/300)*300 AS "time"',
    );
  });
  test("frontend globals and dashboard variables are not server macros", () => {
    expect(expand("select $__from, $strategy, '${__to:date:iso}'")).toBe("select $__from, $strategy, '${__to:date:iso}'");
  });
});

describe("errors, worded as results.X.error", () => {
  test("missing time column", () => {
    expect(macroError("WHERE $__timeFilter()").message).toBe("interpolation failed: missing time column argument for macro __timeFilter");
  });
  test("too few arguments", () => {
    expect(macroError("SELECT $__timeGroup(ts)").message).toBe(
      "interpolation failed: macro __timeGroup needs time column and interval and optional fill value",
    );
  });
  test("bad interval", () => {
    expect(macroError("SELECT $__timeGroup(ts,'5x')").message).toBe("interpolation failed: error parsing interval '5x'");
  });
  test("unknown macro", () => {
    expect(macroError("SELECT $__foo(x)").message).toBe('interpolation failed: unknown macro "__foo"');
  });
  test("the fill argument is refused with a clear error", () => {
    const error = macroError("SELECT $__timeGroup(ts,'5m',0)");
    expect(error.message).toStartWith("interpolation failed: the check engine does not support the fill argument");
  });
  test("the first error wins", () => {
    expect(macroError("$__bar(x) $__timeGroup(ts)").reason).toBe('unknown macro "__bar"');
  });
});
