// The frames a panel's queries answer, handed to Grafana's frontend code and back: what the browser does
// with them before any panel draws (the panel's transformations, run by @grafana/data's transformDataFrame).
import type { DataFrame, DataTransformerConfig, FieldType as GrafanaFieldType } from "@grafana/data";
import { type GrafanaData, loadGrafanaData } from "./grafana-data.ts";

/** A frame as check builds it (scripts/lib/check/frames.ts): a name and typed columns of values. */
export interface InputFrame {
  name?: string;
  /** The query's refId (Grafana sets it on every frame of the response). */
  refId?: string;
  fields: ReadonlyArray<InputField>;
  /** What the datasource's backend sets of the frame's meta (executedQueryString, notices...). */
  meta?: Record<string, unknown>;
}

/** A column as the backend answers it: a series' labels and the config a datasource sets (Prometheus'
 *  legend as displayNameFromDS) reach the browser with it. */
export interface InputField {
  name: string;
  type: string;
  values: ReadonlyArray<unknown>;
  labels?: Record<string, string>;
  config?: { displayNameFromDS?: string; interval?: number };
}

/** A frame after the transformations; a field renamed by organize keeps its name and carries displayName. */
export interface TransformedFrame {
  name: string;
  refId?: string;
  fields: Array<{
    name: string;
    type: "time" | "number" | "string" | "boolean" | "other";
    values: unknown[];
    displayName?: string;
    labels?: Record<string, string>;
    config?: { displayNameFromDS?: string; interval?: number };
  }>;
  meta?: Record<string, unknown>;
}

/** A panel's transformation as its JSON has it. */
export interface TransformationModel {
  id: string;
  options?: Record<string, unknown>;
  disabled?: boolean;
  filter?: DataTransformerConfig["filter"];
  topic?: DataTransformerConfig["topic"];
}

const FIELD_TYPES = new Set(["time", "number", "string", "boolean", "other"]);

export function toDataFrames(data: GrafanaData, frames: ReadonlyArray<InputFrame>): DataFrame[] {
  return frames.map((frame) => {
    const fields = frame.fields.map((field) => ({
      name: field.name,
      type: (FIELD_TYPES.has(field.type) ? field.type : data.FieldType.other) as GrafanaFieldType,
      config: { ...field.config },
      values: [...field.values],
      ...(field.labels ? { labels: { ...field.labels } } : {}),
    }));
    return { name: frame.name || undefined, refId: frame.refId, fields, length: fields[0]?.values.length ?? 0, ...(frame.meta ? { meta: frame.meta } : {}) };
  });
}

export function fromDataFrames(frames: ReadonlyArray<DataFrame>): TransformedFrame[] {
  return frames.map((frame) => ({
    name: frame.name ?? "",
    refId: frame.refId,
    fields: frame.fields.map((field) => {
      const type = FIELD_TYPES.has(field.type) ? (field.type as TransformedFrame["fields"][number]["type"]) : "other";
      // merge fills the rows a frame lacks with undefined; a panel reads them as null
      const values = [...field.values].map((v) => (v === undefined ? null : v));
      const { displayName, displayNameFromDS, interval } = field.config;
      const config: { displayNameFromDS?: string; interval?: number } = {};
      if (displayNameFromDS !== undefined) config.displayNameFromDS = displayNameFromDS;
      if (typeof interval === "number") config.interval = interval;
      return {
        name: field.name,
        type,
        values,
        ...(displayName ? { displayName } : {}),
        ...(field.labels ? { labels: { ...field.labels } } : {}),
        ...(Object.keys(config).length ? { config } : {}),
      };
    }),
    ...(frame.meta ? { meta: frame.meta as Record<string, unknown> } : {}),
  }));
}

/** Runs the panel's enabled transformations on the frames, as the browser does after the queries answer. */
export async function transformDataFrames(data: GrafanaData, transformations: ReadonlyArray<TransformationModel>, frames: DataFrame[]): Promise<DataFrame[]> {
  const enabled = transformations.filter((t) => !t.disabled);
  if (!enabled.length) return frames;
  const unknown = enabled.filter((t) => !data.standardTransformersRegistry.getIfExists(t.id)).map((t) => t.id);
  if (unknown.length) {
    // transformDataFrame passes a frame through a transformation it does not know: say so instead
    const known = data.standardTransformersRegistry.list().map((t) => t.id);
    throw new Error(`transformation ${unknown.map((id) => `"${id}"`).join(", ")} is not in @grafana/data (only in Grafana's app); these are: ${known.join(", ")}`);
  }
  const configs: DataTransformerConfig[] = enabled.map((t) => ({ id: t.id, options: t.options ?? {}, filter: t.filter, topic: t.topic }));
  // The dashboards' transformation options hold no variables: nothing to interpolate
  const stream = data.transformDataFrame(configs, frames, { interpolate: (text: string) => text });
  return new Promise((resolve, reject) => {
    let last: DataFrame[] = frames;
    stream.subscribe({ next: (value) => (last = value), error: reject, complete: () => resolve(last) });
  });
}

/** check's frames through the panel's transformations, with @grafana/data (replaces check's own list). */
export async function applyTransformations(transformations: ReadonlyArray<TransformationModel>, frames: ReadonlyArray<InputFrame>): Promise<TransformedFrame[]> {
  const data = await loadGrafanaData();
  return fromDataFrames(await transformDataFrames(data, transformations, toDataFrames(data, frames)));
}
