// What a state timeline shows, as spans: one per run of equal consecutive values of each field, its text
// and colour from the field's own display processor (mappings, thresholds), from the run's first sample
// to the next change, or to the end of the range for the last run; a null ends a run (a gap). Grafana
// draws state timelines with code of its application (public/app/plugins/panel/state-timeline/), which is
// not published: check reports these spans, and the preview draws them as a table.
import type { DataFrame } from "@grafana/data";
import type { GrafanaData } from "./grafana-data.ts";

export interface StateSpan {
  /** The field's display name (the legend). */
  series: string;
  text: string;
  color?: string;
  from: number;
  to: number;
}

/** Runs of equal consecutive values of each non-time field, in time order (nulls end a run). */
export function stateSpans(data: GrafanaData, series: DataFrame[], rangeEnd: number): StateSpan[] {
  const spans: StateSpan[] = [];
  for (const frame of series) {
    const time = frame.fields.find((f) => f.type === data.FieldType.time);
    if (!time) continue;
    const order = [...time.values.keys()].sort((a, b) => Number(time.values[a]) - Number(time.values[b]));
    for (const field of frame.fields) {
      if (field === time) continue;
      const name = data.getFieldDisplayName(field, frame, series);
      let open: StateSpan | undefined;
      for (const row of order) {
        const at = Number(time.values[row]);
        const value = field.values[row];
        const shown = value == null ? undefined : field.display?.(value);
        const text = shown ? data.formattedValueToString(shown) : undefined;
        if (open && open.text === text) continue;
        if (open) spans.push({ ...open, to: at });
        open = text === undefined ? undefined : { series: name, text, color: shown?.color, from: at, to: at };
      }
      if (open) spans.push({ ...open, to: Math.max(open.from, rangeEnd) });
    }
  }
  return spans;
}
