// The data-frame model the check engine reports, built the way Grafana's PostgreSQL backend (pgx)
// builds it (grafana-facts §6.4-6.5), and its /api/ds/query wire form (§5.2).

export type FieldType = "time" | "number" | "string" | "boolean" | "other";

export interface Field {
  name: string;
  type: FieldType;
  /** time: epoch ms; number; string; boolean; other: a decoded JSON value. null for NULL. */
  values: unknown[];
  /** The Go type Grafana reports in typeInfo.frame (int16, int32, int64, float64, ...); default by type. */
  frameType?: string;
  /** A series' labels (Prometheus' value fields). */
  labels?: Record<string, string>;
  /** What the datasource sets of the field's config: displayNameFromDS (a legend), interval (ms). */
  config?: { displayNameFromDS?: string; interval?: number };
}

export interface Notice {
  severity: "info" | "warning" | "error";
  text: string;
}

export interface Frame {
  name: string;
  fields: Field[];
  notices?: Notice[];
  /** The frame's meta beyond notices, as the datasource's backend sets it (type, executedQueryString, custom). */
  meta?: Record<string, unknown>;
}

/** An error Grafana's backend would put in results.X.error after the query ran. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FrameError";
  }
}

export function rowCount(frame: Frame): number {
  return frame.fields[0]?.values.length ?? 0;
}

// PostgreSQL type OIDs (pg_type.oid) that pgx maps to something other than a string.
const PG_OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  json: 114,
  float4: 700,
  float8: 701,
  money: 790,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  timetz: 1266,
  numeric: 1700,
  jsonb: 3802,
} as const;

// First OID of user-defined objects (enums, domains, composite types): pgx's type map does not know them
const FIRST_NORMAL_OBJECT_ID = 16384;

interface PgColumnKind {
  type: FieldType;
  frameType: string;
}

function columnKind(oid: number): PgColumnKind {
  switch (oid) {
    case PG_OID.int2:
      return { type: "number", frameType: "int16" };
    case PG_OID.int4:
      return { type: "number", frameType: "int32" };
    case PG_OID.int8:
      return { type: "number", frameType: "int64" };
    case PG_OID.float4:
    case PG_OID.float8:
    case PG_OID.numeric:
      return { type: "number", frameType: "float64" };
    case PG_OID.bool:
      return { type: "boolean", frameType: "bool" };
    case PG_OID.timestamp:
    case PG_OID.timestamptz:
    case PG_OID.date:
      return { type: "time", frameType: "time.Time" };
    case PG_OID.json:
    case PG_OID.jsonb:
      return { type: "other", frameType: "json.RawMessage" };
    default:
      return { type: "string", frameType: "string" };
  }
}

/** A result column as the `postgres` package describes it (`result.columns[i]`). */
export interface PgColumn {
  name: string;
  type: number;
}

export interface PostgresFrameOptions {
  /** The panel query's format; Grafana's default when absent is time_series. */
  format?: "table" | "time_series";
  /** The frame name (Grafana leaves it empty for SQL; refId is set on the response). */
  name?: string;
  /** [dataproxy] row_limit, default 1000000. */
  rowLimit?: number;
}

/** Builds the frame Grafana's PostgreSQL backend returns for these rows (values as the `postgres` package parsed them). */
export function frameFromPostgres(
  rows: ReadonlyArray<Record<string, unknown>> | ReadonlyArray<unknown[]>,
  columns: ReadonlyArray<PgColumn>,
  options: PostgresFrameOptions = {},
): Frame {
  const format = options.format ?? "time_series";
  const rowLimit = options.rowLimit ?? 1_000_000;
  for (const column of columns) {
    // Grafana 13's pgx engine looks every result OID up in pgx's built-in type map
    if (column.type >= FIRST_NORMAL_OBJECT_ID) {
      throw new FrameError(`unknown data type oid: ${column.type} (column "${column.name}"; cast it to a built-in type such as text)`);
    }
  }
  // timetz and money are strings too (pgx special-cases them as nullable strings)
  const kinds = columns.map((c) => columnKind(c.type));
  const fields: Field[] = columns.map((c, i) => ({ name: c.name, type: kinds[i]!.type, frameType: kinds[i]!.frameType, values: [] }));
  const notices: Notice[] = [];
  let index = 0;
  for (const row of rows) {
    if (index === rowLimit) {
      notices.push({ severity: "warning", text: `Results have been limited to ${rowLimit} because the SQL row limit was reached` });
      break;
    }
    columns.forEach((column, i) => {
      const raw = Array.isArray(row) ? row[i] : (row as Record<string, unknown>)[column.name];
      fields[i]!.values.push(convertPostgresValue(raw, column));
    });
    index++;
  }
  const frame: Frame = { name: options.name ?? "", fields, ...(notices.length ? { notices } : {}) };
  // zero rows: one frame without fields (only meta.executedQueryString in Grafana)
  if (index === 0) return { ...frame, fields: [] };

  const timeIndex = columns.findIndex((c) => c.name === "time");
  const timeEndIndex = format === "table" ? columns.findIndex((c) => c.name.toLowerCase() === "timeend") : -1;
  if (timeIndex >= 0) frame.fields[timeIndex] = toTimeField(frame.fields[timeIndex]!, "failed to convert time column");
  if (timeEndIndex >= 0 && timeEndIndex !== timeIndex) {
    frame.fields[timeEndIndex] = toTimeField(frame.fields[timeEndIndex]!, "failed to convert timeend column");
  }
  if (format === "time_series") return timeSeriesFrame(frame, timeIndex, columns);
  return frame;
}

function timeSeriesFrame(frame: Frame, timeIndex: number, columns: ReadonlyArray<PgColumn>): Frame {
  if (timeIndex < 0) {
    throw new FrameError(
      "db has no time column: time column is missing; make sure your data includes a time column for time series format or switch to a table format that doesn't require it",
    );
  }
  const metricIndex = columns.findIndex((c) => c.name === "metric");
  const fields = frame.fields.map((field, i) => {
    if (i === timeIndex) return { ...field, name: "Time" };
    if (i === metricIndex || field.type === "string") return field;
    return toFloatField(field);
  });
  if (!fields.some((f, i) => i !== timeIndex && f.type === "string")) return { ...frame, fields };
  const wide = longToWide({ ...frame, fields }, timeIndex);
  // As before Grafana 8: a time, a `metric` and one value column name each series by its metric alone
  // (sqleng processFrame moves the only label, metric, into the field's name)
  const labels = fields.filter((f, i) => i !== timeIndex && f.type === "string");
  if (fields.length !== 3 || labels.length !== 1 || labels[0]!.name !== "metric") return wide;
  return { ...wide, fields: wide.fields.map((f, i) => (i === 0 ? f : { ...f, name: /^[^{]* \{metric="(.*)"\}$/.exec(f.name)?.[1] ?? f.name })) };
}

/** Grafana's data.LongToWide for SQL time series: one row per distinct time (ascending, as Grafana
 *  requires), one field per numeric column and set of text values, its labels in the name. */
function longToWide(frame: Frame, timeIndex: number): Frame {
  const time = frame.fields[timeIndex]!;
  const labels = frame.fields.filter((f, i) => i !== timeIndex && f.type === "string");
  const numbers = frame.fields.filter((f, i) => i !== timeIndex && f.type !== "string");
  const times: number[] = [];
  const wide = new Map<string, Field>();
  time.values.forEach((value, row) => {
    const t = value as number;
    const last = times.at(-1);
    if (last !== undefined && t < last) throw new FrameError("long series must be sorted ascending by time to be converted");
    if (t !== last) times.push(t);
    const labelText = labels.map((l) => `${l.name}="${String(l.values[row] ?? "")}"`).join(", ");
    for (const field of numbers) {
      const name = `${field.name} {${labelText}}`;
      let target = wide.get(name);
      if (!target) {
        target = { name, type: "number", frameType: "float64", values: [] };
        wide.set(name, target);
      }
      while (target.values.length < times.length - 1) target.values.push(null);
      target.values[times.length - 1] = field.values[row];
    }
  });
  for (const field of wide.values()) while (field.values.length < times.length) field.values.push(null);
  return { ...frame, fields: [{ ...time, values: times }, ...wide.values()] };
}

// convertSQLTimeColumnToEpochMS: numbers are epoch (e+09 seconds, e+18 nanoseconds, else ms)
function toTimeField(field: Field, context: string): Field {
  if (field.type === "time") return field;
  const values = field.values.map((value) => {
    if (value === null) return null;
    const n = nullableFloat(value);
    if (n === undefined) throw new FrameError(`converting time columns failed: ${context}: unable to convert data to a time field`);
    const exponent = n.toExponential().split("e")[1];
    const ms = exponent === "+9" ? n * 1e3 : exponent === "+18" ? n / 1e6 : n;
    return Math.trunc(ms);
  });
  return { name: field.name, type: "time", frameType: "time.Time", values };
}

function toFloatField(field: Field): Field {
  const values = field.values.map((value) => {
    if (value === null) return null;
    const n = nullableFloat(value);
    if (n === undefined) throw new FrameError(`convert value to float failed: cannot convert ${JSON.stringify(value)} of ${field.name} to float`);
    return n;
  });
  return { name: field.name, type: "number", frameType: "float64", values };
}

// data.Field.NullableFloatAt: numbers, booleans as 0/1, strings through ParseFloat, times as ns
function nullableFloat(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") {
    const n = Number(value);
    return value.trim() !== "" && !Number.isNaN(n) ? n : undefined;
  }
  return undefined;
}

function convertPostgresValue(raw: unknown, column: PgColumn): unknown {
  if (raw === null || raw === undefined) return null;
  const kind = columnKind(column.type);
  switch (kind.type) {
    case "number":
      return toNumber(raw, column);
    case "boolean":
      return typeof raw === "boolean" ? raw : raw === "t" || raw === "true";
    case "time":
      return toEpochMs(raw, column);
    case "other":
      return typeof raw === "string" ? JSON.parse(raw) : raw;
    default:
      return toText(raw);
  }
}

function toNumber(raw: unknown, column: PgColumn): number {
  if (typeof raw === "number") return raw;
  if (typeof raw === "bigint") return Number(raw);
  if (typeof raw === "string") {
    // numeric and int8 arrive as text; numeric's NaN/Infinity become float64 NaN/Inf as in pgx
    const n = Number(raw);
    if (!Number.isNaN(n) || raw === "NaN") return n;
  }
  throw new FrameError(`convert frame from rows error: cannot read ${JSON.stringify(raw)} of column "${column.name}" as a number`);
}

function toEpochMs(raw: unknown, column: PgColumn): number {
  let ms = NaN;
  if (raw instanceof Date) {
    ms = raw.getTime();
    // the postgres package parses `timestamp` (no zone) in the process's local zone; pgx reads it as UTC
    if (column.type === PG_OID.timestamp) {
      ms = Date.UTC(raw.getFullYear(), raw.getMonth(), raw.getDate(), raw.getHours(), raw.getMinutes(), raw.getSeconds(), raw.getMilliseconds());
    }
  } else if (typeof raw === "string") {
    ms = parsePgTimestampText(raw);
  }
  if (Number.isNaN(ms)) {
    throw new FrameError(`convert frame from rows error: cannot scan ${JSON.stringify(String(raw))} of column "${column.name}" into a time`);
  }
  return ms;
}

// PostgreSQL's text output: 2024-01-02, 2024-01-02 10:00:00.123456, 2024-01-02 10:00:00+02 (zone-less = UTC)
function parsePgTimestampText(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/.exec(text);
  if (!m) return NaN;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", sign, oh = "0", om = "0", os = "0"] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, "0").slice(0, 3)));
  const offset = sign ? (sign === "-" ? -1 : 1) * ((Number(oh) * 60 + Number(om)) * 60 + Number(os)) * 1000 : 0;
  return utc - offset;
}

function toText(raw: unknown): string {
  if (typeof raw === "string") return raw;
  if (raw instanceof Uint8Array) return new TextDecoder().decode(raw);
  if (Array.isArray(raw)) return pgArrayLiteral(raw);
  if (raw instanceof Date) return raw.toISOString();
  if (typeof raw === "object") return JSON.stringify(raw);
  return String(raw);
}

// pgx scans arrays into *string as PostgreSQL's text form: {a,"b c",NULL}
function pgArrayLiteral(values: unknown[]): string {
  const element = (v: unknown): string => {
    if (v === null || v === undefined) return "NULL";
    if (Array.isArray(v)) return pgArrayLiteral(v);
    const text = toText(v);
    const needsQuotes = text === "" || /^null$/i.test(text) || /[{}",\\\s]/.test(text);
    return needsQuotes ? `"${text.replace(/[\\"]/g, "\\$&")}"` : text;
  };
  return `{${values.map(element).join(",")}}`;
}

const DEFAULT_FRAME_TYPE: Record<FieldType, string> = {
  time: "time.Time",
  number: "float64",
  string: "string",
  boolean: "bool",
  other: "json.RawMessage",
};

/** The frame as `results[refId].frames[i]` of /api/ds/query: schema.fields with typeInfo, column-major data.values. */
export function toDataFrameJson(frame: Frame, refId: string) {
  const entities: Array<Record<string, number[]> | null> = [];
  const values = frame.fields.map((field, fieldIndex) => {
    const special: Record<string, number[]> = {};
    const column = field.values.map((value, row) => {
      if (typeof value === "number" && !Number.isFinite(value)) {
        // JSON has no NaN/Inf: the SDK writes null and lists the rows in data.entities
        const key = Number.isNaN(value) ? "NaN" : value > 0 ? "Inf" : "NegInf";
        (special[key] ??= []).push(row);
        return null;
      }
      return value === undefined ? null : value;
    });
    entities[fieldIndex] = Object.keys(special).length ? special : null;
    return column;
  });
  const meta = frame.notices?.length || frame.meta ? { ...frame.meta, ...(frame.notices?.length ? { notices: frame.notices } : {}) } : undefined;
  return {
    schema: {
      name: frame.name,
      refId,
      ...(meta ? { meta } : {}),
      fields: frame.fields.map((field) => ({
        name: field.name,
        type: field.type,
        typeInfo: { frame: field.frameType ?? DEFAULT_FRAME_TYPE[field.type], nullable: true },
        ...(field.labels ? { labels: field.labels } : {}),
        ...(field.config ? { config: field.config } : {}),
      })),
    },
    data: { values, ...(entities.some((e) => e !== null) ? { entities } : {}) },
  };
}

/** The frame back from its /api/ds/query wire form (what smoke reads from Grafana). */
export function frameFromDataFrameJson(json: unknown): Frame {
  const wire = json as {
    schema?: {
      name?: string;
      meta?: Record<string, unknown> & { notices?: Notice[] };
      fields?: { name: string; type?: string; typeInfo?: { frame?: string }; labels?: Record<string, string>; config?: Field["config"] }[];
    };
    data?: { values?: unknown[][] };
  };
  const { notices, ...meta } = wire.schema?.meta ?? {};
  const fields = wire.schema?.fields ?? [];
  const values = wire.data?.values ?? [];
  return {
    name: wire.schema?.name ?? "",
    fields: fields.map((field, i) => ({
      name: field.name,
      type: (["time", "number", "string", "boolean", "other"].includes(field.type ?? "") ? field.type : "other") as FieldType,
      frameType: field.typeInfo?.frame,
      values: values[i] ?? [],
      ...(field.labels ? { labels: field.labels } : {}),
      ...(field.config ? { config: field.config } : {}),
    })),
    ...(notices?.length ? { notices } : {}),
    ...(Object.keys(meta).length ? { meta } : {}),
  };
}
