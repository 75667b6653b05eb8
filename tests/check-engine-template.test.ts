// Dashboard-variable interpolation, case by case from grafana-facts §6.3 (SqlDatasource's truth table)
// and Scenes' format registry; Infinity's default format glob from its src/interpolate.ts.
import { describe, expect, test } from "bun:test";
import { interpolateTemplate, type TemplateVariable } from "../scripts/lib/check/template.ts";
import type { TimeRange } from "../scripts/lib/check/time-range.ts";

const range: TimeRange = {
  from: new Date(1594671549254), // 2020-07-13T20:19:09.254Z
  to: new Date(1594675149000), // 2020-07-13T21:19:09.000Z
  raw: { from: "now-1h", to: "now" },
};

function variable(name: string, current: string[], extra: Partial<TemplateVariable> = {}): TemplateVariable {
  return { name, multi: false, includeAll: false, options: [], current, ...extra };
}

const sql = (text: string, ...vars: TemplateVariable[]) => interpolateTemplate(text, vars, { range, format: "postgres" });
const infinity = (text: string, ...vars: TemplateVariable[]) => interpolateTemplate(text, vars, { range, format: "infinity" });

const host = variable("host", ["O'Brien"]);
const multiOne = variable("app", ["app1"], { multi: true });
const multi = variable("host", ["srv1", "srv2"], { multi: true, options: ["srv1", "srv2", "srv3"] });
const allNoCustom = variable("host", ["$__all"], { multi: true, includeAll: true, options: ["srv1", "srv2", "srv3"] });
const allCustom = variable("host", ["$__all"], { multi: true, includeAll: true, allValue: ".*", options: ["srv1", "srv2"] });

describe("PostgreSQL default quoting (no :format)", () => {
  test("single-value string: unquoted, ' doubled; users write the quotes", () => {
    expect(sql("WHERE h = '$host'", host)).toBe("WHERE h = 'O''Brien'");
  });
  test("multi-value variable with one value: quoted", () => {
    expect(sql("WHERE a IN ($app)", multiOne)).toBe("WHERE a IN ('app1')");
  });
  test("include-All variable with one value: quoted", () => {
    expect(sql("WHERE a = $app", variable("app", ["it's"], { includeAll: true, options: ["it's"] }))).toBe("WHERE a = 'it''s'");
  });
  test("array: each element quoted, joined with , and no spaces", () => {
    expect(sql("WHERE h IN ($host)", multi)).toBe("WHERE h IN ('srv1','srv2')");
  });
  test("All without a custom all value: every option quoted", () => {
    expect(sql("WHERE h IN ($host)", allNoCustom)).toBe("WHERE h IN ('srv1','srv2','srv3')");
  });
  test("custom all value: inserted raw, not quoted", () => {
    expect(sql("WHERE h ~ '$host'", allCustom)).toBe("WHERE h ~ '.*'");
    expect(sql("WHERE h = $host", variable("host", ["$__all"], { includeAll: true, allValue: "*", options: ["a"] }))).toBe("WHERE h = *");
  });
  test("a custom all value is interpolated again (with glob)", () => {
    const strategy = variable("strategy", ["$__all"], { multi: true, includeAll: true, allValue: "$fallback", options: ["a"] });
    expect(sql("x = $strategy", strategy, variable("fallback", ["any"]))).toBe("x = any");
  });
  test("IN ('$host') with a multi variable is broken, as Grafana's truth table says", () => {
    expect(sql("WHERE h IN ('$host')", multi)).toBe("WHERE h IN (''srv1','srv2'')");
  });
  test("numbers as is: $__from and $__to are epoch ms", () => {
    expect(sql("ts > $__from AND ts < $__to")).toBe("ts > 1594671549254 AND ts < 1594675149000");
  });
});

describe("syntaxes", () => {
  test("$var, ${var}, ${var:format} and the deprecated [[var]]", () => {
    expect(sql("$host ${host} ${host:csv} [[host]] [[host:sqlstring]]", multi)).toBe(
      "'srv1','srv2' 'srv1','srv2' srv1,srv2 'srv1','srv2' 'srv1','srv2'",
    );
  });
  test("unknown variables and ${var.path} stay as written", () => {
    expect(sql("$nope ${nope} ${nope:csv} [[nope]] ${host.text}", multi)).toBe("$nope ${nope} ${nope:csv} [[nope]] ${host.text}");
  });
  test("server-side macros are left for the backend", () => {
    expect(sql("WHERE $__timeFilter(ts) GROUP BY $__timeGroup(ts,'$__interval')")).toBe(
      "WHERE $__timeFilter(ts) GROUP BY $__timeGroup(ts,'$__interval')",
    );
  });
});

describe("explicit formats override the datasource default", () => {
  const tricky = variable("v", ["a", `O'B`, `c"d`], { multi: true });
  test("csv", () => expect(sql("${host:csv}", multi)).toBe("srv1,srv2"));
  test("sqlstring doubles ' (and writes \" as \\\")", () => expect(sql("${v:sqlstring}", tricky)).toBe(`'a','O''B','c\\"d'`));
  test("singlequote escapes ' with a backslash", () => expect(sql("${v:singlequote}", tricky)).toBe(`'a','O\\'B','c"d'`));
  test("doublequote escapes \" with a backslash", () => expect(sql("${v:doublequote}", tricky)).toBe(`"a","O'B","c\\"d"`));
  test("raw", () => expect(sql("${host:raw}", host)).toBe("O'Brien"));
  test("pipe", () => expect(sql("${host:pipe}", multi)).toBe("srv1|srv2"));
  test("regex", () => {
    expect(sql("${host:regex}", variable("host", ["a.b", "c"], { multi: true }))).toBe("(a\\.b|c)");
    expect(sql("${host:regex}", variable("host", ["a.b"], { multi: true }))).toBe("a\\.b");
  });
  test("json", () => {
    expect(sql("${host:json}", multi)).toBe('["srv1","srv2"]');
    expect(sql("${host:json}", host)).toBe("O'Brien");
  });
  test("glob, also the fallback for unknown formats", () => {
    expect(sql("${host:glob}", multi)).toBe("{srv1,srv2}");
    expect(sql("${host:nosuchformat}", multi)).toBe("{srv1,srv2}");
  });
  test("text: the display text, All for All", () => {
    expect(sql("${host:text}", multi)).toBe("srv1 + srv2");
    expect(sql("${host:text}", allCustom)).toBe("All");
  });
  test("queryparam", () => {
    expect(sql("${host:queryparam}", multi)).toBe("var-host=srv1&var-host=srv2");
    expect(sql("${host:queryparam}", allNoCustom)).toBe("var-host=srv1&var-host=srv2&var-host=srv3");
  });
  test("percentencode", () => {
    expect(sql("${v:percentencode}", variable("v", ["foo()bar BAZ", "test2"], { multi: true }))).toBe("%7Bfoo%28%29bar%20BAZ%2Ctest2%7D");
    expect(sql("${v:percentencode}", variable("v", ["a b&c"]))).toBe("a%20b%26c");
  });
  test("lucene, distributed, html", () => {
    expect(sql("${v:lucene}", variable("v", ["foo bar", "baz"], { multi: true }))).toBe('("foo\\ bar" OR "baz")');
    expect(sql("${v:distributed}", variable("v", ["a", "b"], { multi: true }))).toBe("a,v=b");
    expect(sql("${v:html}", variable("v", ["<b>"]))).toBe("&lt;b&gt;");
  });
});

describe("time globals", () => {
  test("${__from:date:iso} and ${__to:date} are ISO with milliseconds", () => {
    expect(sql("'${__from:date:iso}' '${__to:date}'")).toBe("'2020-07-13T20:19:09.254Z' '2020-07-13T21:19:09.000Z'");
  });
  test("${__from:date:seconds}, :ms and moment formats (UTC)", () => {
    expect(sql("${__from:date:seconds} ${__from:date:ms} ${__from:date:YYYY-MM-DD} ${__to:date:YYYY:MM}")).toBe(
      "1594671549 1594671549254 2020-07-13 2020:07",
    );
  });
  test("$__from with the text format", () => {
    expect(sql("${__from:text}")).toBe("2020-07-13 20:19:09");
  });
});

describe("Infinity: glob is the default format", () => {
  test("multi values become {a,b}; one value stays bare", () => {
    expect(infinity("/api/queues?name=$host", multi)).toBe("/api/queues?name={srv1,srv2}");
    expect(infinity("/api/queues?name=$app", multiOne)).toBe("/api/queues?name=app1");
  });
  test("single values are not quoted or escaped", () => {
    expect(infinity("/x/$host", host)).toBe("/x/O'Brien");
  });
  test("All without custom value is every option; a custom all value is raw", () => {
    expect(infinity("$host", allNoCustom)).toBe("{srv1,srv2,srv3}");
    expect(infinity("$host", allCustom)).toBe(".*");
  });
  test("$__from is epoch ms; JSONata $functions are not variables", () => {
    expect(infinity("/x?from=${__from}&to=$__to")).toBe("/x?from=1594671549254&to=1594675149000");
    expect(infinity("$map($, function($q){ $q.name })")).toBe("$map($, function($q){ $q.name })");
  });
});
