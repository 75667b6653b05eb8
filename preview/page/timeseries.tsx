// A time series panel: the frames made graphable as Grafana's panel makes them, then @grafana/ui's
// TimeSeries (uPlot). Read from public/app/plugins/panel/timeseries/utils.ts (prepareGraphableFields):
// a frame is drawn when it has a time field and a value field; numbers that are not finite become null;
// booleans become 0/1 with the unit "bool" and step lines; strings ride along (tooltips); each numeric
// field gets the next index of the classic palette (setClassicPaletteIdxs) and a display processor again.
// Without a graphable frame the panel shows its noValue, else "No data" (the panel's error view).
// Not done here (no dashboard of ours needs it): enum fields, null insertion by interval, numeric x axes.
import type { DataFrame, Field, FieldConfigSource, GrafanaTheme2, TimeRange } from "@grafana/data";
import type { VizLegendOptions } from "@grafana/schema";
import { TimeSeries } from "@grafana/ui";
import type { GrafanaData } from "../../scripts/lib/display/grafana-data.ts";
import { NoData } from "./no-data.tsx";

export function graphableFrames(data: GrafanaData, series: DataFrame[], theme: GrafanaTheme2): DataFrame[] {
  const { FieldType } = data;
  const frames: DataFrame[] = [];
  for (const frame of series) {
    let hasTime = false;
    let hasValue = false;
    const fields: Field[] = [];
    for (const field of frame.fields) {
      if (field.type === FieldType.time) {
        hasTime = true;
        fields.push(field);
      } else if (field.type === FieldType.number) {
        hasValue = true;
        fields.push({ ...field, values: field.values.map((v) => (v == null || Number.isFinite(v) ? v : null)) });
      } else if (field.type === FieldType.boolean) {
        hasValue = true;
        const custom = { ...(field.config.custom ?? {}) };
        if (custom.lineInterpolation !== "stepBefore") custom.lineInterpolation = "stepAfter";
        const config = { ...field.config, min: 0, max: 1, custom, unit: data.isBooleanUnit(field.config.unit) ? field.config.unit : "bool" };
        const copy: Field = { ...field, type: FieldType.number, config, values: field.values.map((v) => (v == null ? v : v ? 1 : 0)) };
        copy.display = data.getDisplayProcessor({ field: copy, theme });
        fields.push(copy);
      } else if (field.type === FieldType.string) {
        fields.push({ ...field });
      }
    }
    if (hasTime && hasValue) frames.push({ ...frame, fields });
  }
  let seriesIndex = 0;
  for (const frame of frames) {
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) continue;
      field.state = { ...field.state, seriesIndex: seriesIndex++ };
      field.display = data.getDisplayProcessor({ field, theme });
    }
  }
  return frames;
}

export interface TimeSeriesProps {
  data: GrafanaData;
  series: DataFrame[];
  fieldConfig: FieldConfigSource;
  options: Record<string, unknown>;
  theme: GrafanaTheme2;
  timeRange: TimeRange;
  timeZone: string;
  width: number;
  height: number;
}

export function TimeSeriesPanel({ data, series, fieldConfig, options, theme, timeRange, timeZone, width, height }: TimeSeriesProps) {
  const frames = graphableFrames(data, series, theme);
  if (!frames.length) return <NoData text={fieldConfig.defaults.noValue ?? "No data"} />;
  const legend = (options.legend ?? { showLegend: true, displayMode: "list", placement: "bottom", calcs: [] }) as VizLegendOptions;
  return <TimeSeries frames={frames} timeRange={timeRange} timeZone={timeZone} width={width} height={height} legend={legend} options={options} />;
}
