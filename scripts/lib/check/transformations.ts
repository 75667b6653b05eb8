// What a panel does in the browser after its queries answer. The dashboards use only this short list,
// and the engine applies exactly it (a lint refuses any other):
// - merge: the frames become one, rows appended, fields matched by name (the health panels);
// - organize: fields dropped, ordered (Infinity returns fields in alphabetical order);
// - stat panels: the selected field reduced by the first calculation (lastNotNull, last, first, sum, max,
//   min), then the value mappings (exact text, number ranges, special values), or noValue when empty.
import type { Field, Frame } from "./frames.ts";
import type { PanelModel, Transformation } from "./dashboard-model.ts";

export const SUPPORTED_TRANSFORMATIONS = ["merge", "organize"] as const;
export const SUPPORTED_CALCS = ["lastNotNull", "last", "firstNotNull", "first", "sum", "max", "min"] as const;

export function applyTransformations(frames: Frame[], transformations: Transformation[]): Frame[] {
  let result = frames;
  for (const t of transformations) {
    if (t.id === "merge") result = [merge(result)];
    else if (t.id === "organize") result = result.map((frame) => organize(frame, t.options));
    else throw new Error(`transformation "${t.id}" is not one the check engine applies (${SUPPORTED_TRANSFORMATIONS.join(", ")})`);
  }
  return result;
}

const rows = (frame: Frame) => frame.fields[0]?.values.length ?? 0;

function merge(frames: Frame[]): Frame {
  const fields: Field[] = [];
  let total = 0;
  for (const frame of frames) {
    const n = rows(frame);
    if (n === 0) continue;
    for (const field of frame.fields) {
      let target = fields.find((f) => f.name === field.name);
      if (!target) {
        target = { name: field.name, type: field.type, values: new Array(total).fill(null) };
        fields.push(target);
      }
      target.values.push(...field.values);
    }
    total += n;
    for (const field of fields) while (field.values.length < total) field.values.push(null);
  }
  return { name: frames[0]?.name ?? "", fields };
}

function organize(frame: Frame, options: Record<string, unknown>): Frame {
  const excluded = (options.excludeByName ?? {}) as Record<string, boolean>;
  const order = (options.indexByName ?? {}) as Record<string, number>;
  const renamed = (options.renameByName ?? {}) as Record<string, string>;
  const kept = frame.fields.filter((f) => !excluded[f.name]);
  const position = (f: Field) => order[f.name] ?? Number.MAX_SAFE_INTEGER;
  const sorted = kept.map((f, i) => ({ f, i })).sort((a, b) => position(a.f) - position(b.f) || a.i - b.i);
  return { ...frame, fields: sorted.map(({ f }) => (renamed[f.name] ? { ...f, name: renamed[f.name]! } : f)) };
}

/** The value a stat panel shows: reduced, then mapped to its display text. */
export function statValue(panel: PanelModel, frames: Frame[]): { value: unknown; text: string } {
  const reduce = panel.reduce ?? { calcs: ["lastNotNull"], fields: "" };
  const calc = reduce.calcs[0] ?? "lastNotNull";
  if (!(SUPPORTED_CALCS as readonly string[]).includes(calc)) throw new Error(`stat calculation "${calc}" is not one the check engine applies`);
  const matches = fieldMatcher(reduce.fields);
  const values = frames.flatMap((frame) => frame.fields.filter(matches).flatMap((f) => f.values));
  const value = reduceValues(values, calc);
  if (value === null || value === undefined) return { value: null, text: panel.noValue ?? "No data" };
  return { value, text: mapValue(value, panel.mappings) ?? String(value) };
}

/** "" means the numeric fields; "/re/" a regular expression on the field name; else the exact name. */
function fieldMatcher(spec: string): (field: Field) => boolean {
  if (!spec) return (field) => field.type === "number";
  const regex = /^\/(.*)\/$/.exec(spec);
  if (regex) {
    const re = new RegExp(regex[1]!);
    return (field) => re.test(field.name);
  }
  return (field) => field.name === spec;
}

function reduceValues(values: unknown[], calc: string): unknown {
  const present = values.filter((v) => v !== null && v !== undefined);
  const numbers = present.filter((v): v is number => typeof v === "number");
  switch (calc) {
    case "lastNotNull":
      return present.at(-1) ?? null;
    case "last":
      return values.at(-1) ?? null;
    case "firstNotNull":
      return present[0] ?? null;
    case "first":
      return values[0] ?? null;
    case "sum":
      return numbers.length ? numbers.reduce((a, b) => a + b, 0) : null;
    case "max":
      return numbers.length ? Math.max(...numbers) : null;
    default:
      return numbers.length ? Math.min(...numbers) : null;
  }
}

interface Mapping {
  type: string;
  options: Record<string, unknown>;
}

/** Grafana applies the first mapping that matches. */
function mapValue(value: unknown, mappings: unknown[]): string | undefined {
  for (const mapping of mappings as Mapping[]) {
    if (mapping.type === "value") {
      const result = (mapping.options as Record<string, { text?: string }>)[String(value)];
      if (result) return result.text ?? String(value);
    } else if (mapping.type === "range" && typeof value === "number") {
      const { from, to, result } = mapping.options as { from: number | null; to: number | null; result: { text?: string } };
      if ((from === null || value >= from) && (to === null || value <= to)) return result.text ?? String(value);
    } else if (mapping.type === "special") {
      const { match, result } = mapping.options as { match: string; result: { text?: string } };
      if ((match === "true" && value === true) || (match === "false" && value === false)) return result.text ?? String(value);
    }
  }
  return undefined;
}
