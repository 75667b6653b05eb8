// Frame shaping as Infinity's backend does it (gframer, infinity-facts §3.2-3.3): the selected rows become
// fields sorted by name, each column coerced to its declared type, objects and arrays as JSON text.
import type { Field } from "../frames.ts";
import { compareGoStrings, formatFloatNoDecimals, formatFloatV, goJsonMarshal, parseGoFloat, parseGoInt, parseGoTimeString } from "../go-format.ts";
import type { RootSelection } from "./parse.ts";
import { type InfinityColumn, InfinityQueryError, QUERY_ERROR_PREFIX, isObject } from "./types.ts";

type Kind = "number" | "string" | "boolean" | "json";

function kindOf(value: unknown): Kind | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "number") return "number";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  return "json";
}

// gframer sliceToFrame for rows of column maps: fields sorted by name, the first non-null value decides
export function framerWithColumns(records: Array<Map<string, unknown>>, columns: InfinityColumn[]): Field[] {
  if (records.length === 0) return [];
  const names = [...new Set(columns.map((c) => c.text || c.selector))].sort(compareGoStrings);
  const fields: Field[] = [];
  for (const name of names) {
    const values = records.map((r) => r.get(name) ?? null);
    const kind = values.map(kindOf).find((k) => k !== undefined);
    if (kind === "json") {
      // objects and arrays: JSON text in a string field, whatever the column type ("null" for null)
      fields.push({ name, type: "string", values: values.map((v) => goJsonMarshal(v)) });
      continue;
    }
    for (const column of columns.filter((c) => (c.text || c.selector) === name)) {
      fields.push(coerceField(name, values, column.type ?? "", kind));
    }
  }
  return fields;
}

function coerceField(name: string, values: unknown[], type: string, inferred: Kind | undefined): Field {
  switch (type) {
    case "string":
      return {
        name,
        type: "string",
        values: values.map((v) => (typeof v === "string" ? v : typeof v === "number" ? formatFloatV(v) : typeof v === "boolean" ? String(v) : null)),
      };
    case "number":
      return {
        name,
        type: "number",
        frameType: "float64",
        values: values.map((v) => (typeof v === "number" ? v : typeof v === "string" ? (parseGoFloat(v) ?? null) : null)),
      };
    case "boolean":
      // "true" in any case is true; anything else that is not a bool is null, never false
      return { name, type: "boolean", values: values.map((v) => (typeof v === "boolean" ? v : typeof v === "string" && v.toLowerCase() === "true" ? true : null)) };
    case "timestamp":
      return { name, type: "time", values: values.map(timestampValue) };
    case "timestamp_epoch":
      return { name, type: "time", values: values.map((v) => epochValue(v, 1)) };
    case "timestamp_epoch_s":
      return { name, type: "time", values: values.map((v) => epochValue(v, 1000)) };
    default:
      return inferredField(name, values, inferred);
  }
}

function inferredField(name: string, values: unknown[], inferred: Kind | undefined): Field {
  const kind = inferred ?? "string";
  if (values.some((v) => v !== null && kindOf(v) !== kind)) {
    // the SDK's typed vector panics on a mismatched value; the whole QueryData call fails
    throw new InfinityQueryError(`${QUERY_ERROR_PREFIX}field ${JSON.stringify(name)} mixes value types without an explicit column type; the plugin would panic and fail the whole request`);
  }
  const type = kind === "number" ? "number" : kind === "boolean" ? "boolean" : "string";
  return { name, type, ...(kind === "number" ? { frameType: "float64" } : {}), values: [...values] };
}

function epochValue(value: unknown, unitMs: number): number | null {
  if (typeof value === "number") return Math.trunc(value) * unitMs;
  if (typeof value === "string") {
    const n = parseGoInt(value);
    return n === undefined ? null : n * unitMs;
  }
  return null;
}

// anyToNullableTimestamp: numbers are printed %.0f and parsed with layout "2006" (a year); strings
// go through utils.GetTimeFromString's layouts.
function timestampValue(value: unknown): number | null {
  if (typeof value === "number") {
    const text = formatFloatNoDecimals(value);
    return /^\d{4}$/.test(text) ? Date.UTC(Number(text), 0, 1) : null;
  }
  if (typeof value === "string" && value !== "") return parseGoTimeString(value);
  return null;
}


// gframer.ToDataFrame on the whole selection when no columns are given
export function framerWithoutColumns(root: RootSelection, name: string): Field[] {
  if (Array.isArray(root)) return sliceFields(root, name);
  if (isObject(root)) {
    return Object.keys(root)
      .sort(compareGoStrings)
      .map((key) => {
        const value = root[key] ?? null;
        const kind = kindOf(value);
        if (kind === "json") return { name: key, type: "string" as const, values: [goJsonMarshal(value)] };
        return inferredField(key, [value], kind);
      });
  }
  // a scalar (or null): one field named after the frame, one row
  return [inferredField(name, [root ?? null], kindOf(root))];
}

function sliceFields(items: unknown[], name: string): Field[] {
  if (items.length === 0) return [];
  const first = items.find((item) => item !== null && item !== undefined);
  if (first === undefined) return [{ name, type: "string", values: items.map(() => null) }];
  if (Array.isArray(first)) return [{ name, type: "string", values: items.map((item) => goJsonMarshal(item)) }];
  if (!isObject(first)) return [inferredField(name, items.map((i) => i ?? null), kindOf(first))];
  const keys = new Set<string>();
  for (const item of items) if (isObject(item)) for (const key of Object.keys(item)) keys.add(key);
  return [...keys].sort(compareGoStrings).map((key) => {
    const values = items.map((item) => (isObject(item) && Object.hasOwn(item, key) ? (item[key] ?? null) : null));
    const kind = values.map(kindOf).find((k) => k !== undefined);
    if (kind === "json") return { name: key, type: "string" as const, values: values.map((v) => goJsonMarshal(v)) };
    return inferredField(key, values, kind);
  });
}
