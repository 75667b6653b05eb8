// The stand-in for a state timeline panel. Grafana draws those with code of its application
// (public/app/plugins/panel/state-timeline/), which is not published; @grafana/ui's nearest component is
// the table. So the page lists the same states as spans (scripts/lib/display/state-spans.ts, which check
// reports too), one row per run of equal consecutive values of each field: series, state (its text and colour, from the field's own display processor: mappings,
// thresholds), from, to (the next change, or the end of the range for the last run) and duration. The
// panel's title carries a badge saying it is a stand-in.
import type { DataFrame, Field, FieldConfigSource, GrafanaTheme2, TimeRange, ValueMapping } from "@grafana/data";
import { TableNG } from "@grafana/ui/unstable";
import type { GrafanaData } from "../../scripts/lib/display/grafana-data.ts";
import { type StateSpan as Span, stateSpans } from "../../scripts/lib/display/state-spans.ts";
import { NoData } from "./no-data.tsx";

/** The spans as a frame for TableNG: the state column coloured by its own mappings (colour per text). */
function spansFrame(data: GrafanaData, spans: Span[], theme: GrafanaTheme2, timeZone: string): DataFrame {
  const colors = new Map(spans.filter((s) => s.color).map((s) => [s.text, s.color!]));
  const mappings: ValueMapping[] = colors.size ? [{ type: data.MappingType.ValueToText, options: Object.fromEntries([...colors].map(([text, color], index) => [text, { color, index }])) } as ValueMapping] : [];
  const field = (name: string, type: Field["type"], values: unknown[], config: Field["config"] = {}): Field => ({ name, type, values, config });
  const fields = [
    field("series", data.FieldType.string, spans.map((s) => s.series)),
    field("state", data.FieldType.string, spans.map((s) => s.text), { mappings, custom: { cellOptions: { type: "color-background", mode: "basic" } } }),
    field("from", data.FieldType.time, spans.map((s) => s.from)),
    field("to", data.FieldType.time, spans.map((s) => s.to)),
    field("duration", data.FieldType.number, spans.map((s) => s.to - s.from), { unit: "dtdurationms" }),
  ];
  for (const f of fields) f.display = data.getDisplayProcessor({ field: f, theme, timeZone });
  return { name: "state spans", fields, length: spans.length };
}

export interface StateSpansProps {
  data: GrafanaData;
  series: DataFrame[];
  fieldConfig: FieldConfigSource;
  theme: GrafanaTheme2;
  timeRange: TimeRange;
  timeZone: string;
  width: number;
  height: number;
}

export function StateSpans({ data, series, fieldConfig, theme, timeRange, timeZone, width, height }: StateSpansProps) {
  const spans = stateSpans(data, series, timeRange.to.valueOf());
  if (!spans.length) return <NoData text={fieldConfig.defaults.noValue ?? "No data"} />;
  return <TableNG data={spansFrame(data, spans, theme, timeZone)} width={width} height={height} resizable={false} />;
}
