// frameFromPostgres against the live PostgreSQL: one value of each type mapped as grafana-facts §6.5
// (pgx), the `time` column rule of §6.4, and the /api/ds/query wire shape of §5.2.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type postgres from "postgres";
import { FrameError, frameFromPostgres, rowCount, toDataFrameJson, type Frame } from "../scripts/lib/check/frames.ts";
import { adminSql, freshDatabase, useLiveStack } from "./support/live.ts";

useLiveStack();

let sql: postgres.Sql;
beforeAll(async () => {
  sql = await adminSql();
});
afterAll(async () => {
  await sql?.end();
});

async function frameOf(query: string, format: "table" | "time_series" = "table"): Promise<Frame> {
  const result = await sql.unsafe(query);
  return frameFromPostgres(result, result.columns, { format });
}

function field(frame: Frame, name: string) {
  const found = frame.fields.find((f) => f.name === name);
  if (!found) throw new Error(`no field ${name} in ${frame.fields.map((f) => f.name).join(", ")}`);
  return { type: found.type, frameType: found.frameType, value: found.values[0] };
}

describe("column types (pgx mapping)", () => {
  let frame: Frame;
  beforeAll(async () => {
    frame = await frameOf(`SELECT
      1::int2 AS i2, 2::int4 AS i4, 9007199254740991::int8 AS i8,
      1.5::float4 AS f4, 2.25::float8 AS f8, 12345.678901::numeric AS num, 'NaN'::numeric AS num_nan,
      true AS flag,
      '2026-07-01 10:20:30.123'::timestamp AS ts, '2026-07-01 10:20:30+02'::timestamptz AS tstz, '2026-07-01'::date AS d,
      '10:20:30'::time AS t, '10:20:30+02'::timetz AS ttz,
      '{"b":1,"a":[true,null]}'::json AS j, '{"k":"v"}'::jsonb AS jb, '\\x414243'::bytea AS bin,
      'text'::text AS txt, 'vc'::varchar AS vc, '6f1c2a8e-1d2b-4c3d-9e8f-0a1b2c3d4e5f'::uuid AS id,
      ARRAY['a','b c']::text[] AS arr, '1 day 02:00:00'::interval AS iv, 12.5::money AS cash,
      NULL::int4 AS nothing, NULL::timestamptz AS no_time`);
  });
  test("integers keep their Go width, floats and numeric are float64", () => {
    expect(field(frame, "i2")).toEqual({ type: "number", frameType: "int16", value: 1 });
    expect(field(frame, "i4")).toEqual({ type: "number", frameType: "int32", value: 2 });
    expect(field(frame, "i8")).toEqual({ type: "number", frameType: "int64", value: 9007199254740991 });
    expect(field(frame, "f4")).toEqual({ type: "number", frameType: "float64", value: 1.5 });
    expect(field(frame, "f8")).toEqual({ type: "number", frameType: "float64", value: 2.25 });
    expect(field(frame, "num")).toEqual({ type: "number", frameType: "float64", value: 12345.678901 });
    expect(Number.isNaN(field(frame, "num_nan").value)).toBe(true);
  });
  test("bool", () => expect(field(frame, "flag")).toEqual({ type: "boolean", frameType: "bool", value: true }));
  test("timestamp (as UTC), timestamptz and date are time in epoch ms", () => {
    expect(field(frame, "ts")).toEqual({ type: "time", frameType: "time.Time", value: Date.UTC(2026, 6, 1, 10, 20, 30, 123) });
    expect(field(frame, "tstz").value).toBe(Date.UTC(2026, 6, 1, 8, 20, 30));
    expect(field(frame, "d").value).toBe(Date.UTC(2026, 6, 1));
  });
  test("time and timetz are strings", () => {
    expect(field(frame, "t")).toEqual({ type: "string", frameType: "string", value: "10:20:30" });
    expect(field(frame, "ttz")).toEqual({ type: "string", frameType: "string", value: "10:20:30+02" });
  });
  test("json and jsonb are other (JSON values)", () => {
    expect(field(frame, "j")).toEqual({ type: "other", frameType: "json.RawMessage", value: { b: 1, a: [true, null] } });
    expect(field(frame, "jb").value).toEqual({ k: "v" });
  });
  test("bytea is its bytes as a string; everything else is a string", () => {
    expect(field(frame, "bin")).toEqual({ type: "string", frameType: "string", value: "ABC" });
    expect(field(frame, "txt").value).toBe("text");
    expect(field(frame, "vc").value).toBe("vc");
    expect(field(frame, "id").value).toBe("6f1c2a8e-1d2b-4c3d-9e8f-0a1b2c3d4e5f");
    expect(field(frame, "arr")).toEqual({ type: "string", frameType: "string", value: '{a,"b c"}' });
    expect(field(frame, "iv")).toEqual({ type: "string", frameType: "string", value: "1 day 02:00:00" });
    expect(field(frame, "cash").type).toBe("string");
    expect(String(field(frame, "cash").value)).toContain("12.50");
  });
  test("NULL is null whatever the type", () => {
    expect(field(frame, "nothing")).toEqual({ type: "number", frameType: "int32", value: null });
    expect(field(frame, "no_time")).toEqual({ type: "time", frameType: "time.Time", value: null });
  });
  test("column order is the query's", () => {
    expect(frame.fields.slice(0, 3).map((f) => f.name)).toEqual(["i2", "i4", "i8"]);
  });
});

describe("the time column rule (§6.4)", () => {
  test("table format: a column named exactly time holding epoch seconds becomes time in ms", async () => {
    const frame = await frameOf("SELECT 1700000000 AS time, 1700000000 AS \"Time\", 1700000000123::int8 AS timeend");
    expect(field(frame, "time")).toEqual({ type: "time", frameType: "time.Time", value: 1700000000000 });
    expect(field(frame, "Time")).toEqual({ type: "number", frameType: "int32", value: 1700000000 });
    expect(field(frame, "timeend")).toEqual({ type: "time", frameType: "time.Time", value: 1700000000123 });
  });
  test("a text time column that is not a number fails the query", async () => {
    await expect(frameOf("SELECT 'soon'::text AS time")).rejects.toThrow(
      "converting time columns failed: failed to convert time column: unable to convert data to a time field",
    );
  });
  test("zero rows: a frame without fields", async () => {
    const frame = await frameOf("SELECT 1 AS a, now() AS time WHERE false");
    expect(frame.fields).toEqual([]);
    expect(rowCount(frame)).toBe(0);
  });
  test("time_series: needs the time column, which is renamed Time; values become float64", async () => {
    await expect(frameOf("SELECT 1 AS value", "time_series")).rejects.toThrow(
      "db has no time column: time column is missing; make sure your data includes a time column for time series format or switch to a table format that doesn't require it",
    );
    const frame = await frameOf("SELECT '2026-07-01T00:00:00Z'::timestamptz AS time, 3::int4 AS value", "time_series");
    expect(frame.fields.map((f) => [f.name, f.type, f.frameType])).toEqual([
      ["Time", "time", "time.Time"],
      ["value", "number", "float64"],
    ]);
  });
  test("the row limit cuts rows and adds Grafana's notice", async () => {
    const result = await sql.unsafe("SELECT generate_series(1, 5) AS n");
    const frame = frameFromPostgres(result, result.columns, { format: "table", rowLimit: 3 });
    expect(rowCount(frame)).toBe(3);
    expect(frame.notices).toEqual([{ severity: "warning", text: "Results have been limited to 3 because the SQL row limit was reached" }]);
  });
});

test("a user-defined type (enum) is unknown to pgx and fails the query", async () => {
  const db = await freshDatabase("check_frames");
  try {
    await db.sql`CREATE TYPE side AS ENUM ('buy', 'sell')`;
    const result = await db.sql.unsafe("SELECT 'buy'::side AS side, 'buy'::side::text AS side_text");
    expect(() => frameFromPostgres(result, result.columns, { format: "table" })).toThrow(FrameError);
    expect(() => frameFromPostgres(result, result.columns, { format: "table" })).toThrow(/^unknown data type oid: \d+/);
    const castOnly = await db.sql.unsafe("SELECT 'buy'::side::text AS side_text");
    expect(frameFromPostgres(castOnly, castOnly.columns, { format: "table" }).fields[0]!.values).toEqual(["buy"]);
  } finally {
    await db.drop();
  }
});

describe("toDataFrameJson (/api/ds/query wire shape)", () => {
  test("schema with typeInfo, column-major values, time in ms, NaN in entities", async () => {
    const frame = await frameOf(
      "SELECT * FROM (VALUES (1::int4, 'a'::text, '2026-07-01T00:00:00Z'::timestamptz, 'NaN'::float8), (NULL, 'b', NULL, 2.5)) AS v(n, s, time, f)",
    );
    const json = toDataFrameJson(frame, "A");
    expect(json.schema.refId).toBe("A");
    expect(json.schema.fields).toEqual([
      { name: "n", type: "number", typeInfo: { frame: "int32", nullable: true } },
      { name: "s", type: "string", typeInfo: { frame: "string", nullable: true } },
      { name: "time", type: "time", typeInfo: { frame: "time.Time", nullable: true } },
      { name: "f", type: "number", typeInfo: { frame: "float64", nullable: true } },
    ]);
    expect(json.data.values).toEqual([
      [1, null],
      ["a", "b"],
      [Date.UTC(2026, 6, 1), null],
      [null, 2.5],
    ]);
    expect(json.data.entities).toEqual([null, null, null, { NaN: [0] }]);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
