// The panel plugins whose field options and defaults the page needs beyond the display module's (table,
// stat): Grafana's app registers them when it loads a panel, and their defaults decide how a series is
// drawn. Declared as Grafana 13.2 declares them (read from its source, in our own words), with the
// option builders @grafana/ui publishes:
// - time series (public/app/plugins/panel/timeseries/module.tsx and config.ts): colour from the classic
//   palette by default; custom options drawStyle line, lineInterpolation linear, lineWidth 1, fillOpacity
//   0, gradientMode none, barAlignment center, barWidthFactor 0.6, spanNulls and insertNulls false,
//   showPoints auto, pointSize 5, stacking none (group A), axis options (placement auto, grid shown,
//   not centred on zero, no border), hideFrom, thresholdsStyle off; panel options: tooltip and legend;
// (the state timeline's are in the display module: check reports its spans too).
import type { FieldConfigEditorBuilder, PanelPlugin } from "@grafana/data";
import type { GraphFieldConfig } from "@grafana/schema";
import { commonOptionsBuilder, graphFieldOptions } from "@grafana/ui";
import { panelPlugin } from "../../scripts/lib/display/grafana-plugins.ts";
import type { GrafanaData } from "../../scripts/lib/display/grafana-data.ts";

const noEditor = () => null;

const GRAPH_DEFAULTS: GraphFieldConfig = {
  drawStyle: "line" as GraphFieldConfig["drawStyle"],
  lineInterpolation: "linear" as GraphFieldConfig["lineInterpolation"],
  lineWidth: 1,
  fillOpacity: 0,
  gradientMode: "none" as GraphFieldConfig["gradientMode"],
  barAlignment: 0 as GraphFieldConfig["barAlignment"],
  barWidthFactor: 0.6,
  stacking: { mode: "none" as NonNullable<GraphFieldConfig["stacking"]>["mode"], group: "A" },
  axisGridShow: true,
  axisCenteredZero: false,
  axisBorderShow: false,
};

const plugins = new Map<string, PanelPlugin>();

/** The plugin Grafana would load for a panel of this type. */
export function pagePlugin(data: GrafanaData, type: string): PanelPlugin {
  if (type === "table" || type === "stat" || type === "state-timeline") return panelPlugin(data, type);
  let plugin = plugins.get(type);
  if (plugin) return plugin;
  plugin = new data.PanelPlugin(null);
  plugin.meta = { id: type, name: type } as PanelPlugin["meta"];
  if (type === "timeseries") timeSeriesPlugin(data, plugin);
  else plugin.useFieldConfig();
  plugins.set(type, plugin);
  return plugin;
}

function timeSeriesPlugin(data: GrafanaData, plugin: PanelPlugin): void {
  const category = ["Graph styles"];
  plugin.useFieldConfig({
    standardOptions: {
      color: { settings: { byValueSupport: true, bySeriesSupport: true, preferThresholdsMode: false }, defaultValue: { mode: data.FieldColorModeId.PaletteClassic } },
    },
    useCustomConfig: (untyped) => {
      const builder = untyped as unknown as FieldConfigEditorBuilder<GraphFieldConfig>;
      const custom = (id: string, defaultValue: unknown, shouldApply: (field: { type: string }) => boolean = () => true) =>
        builder.addCustomEditor({ id, path: id, name: id, category, editor: noEditor as never, override: noEditor as never, defaultValue, process: data.identityOverrideProcessor, shouldApply });
      builder
        .addRadio({ path: "drawStyle", name: "Style", category, defaultValue: GRAPH_DEFAULTS.drawStyle, settings: { options: graphFieldOptions.drawStyle } })
        .addRadio({ path: "lineInterpolation", name: "Line interpolation", category, defaultValue: GRAPH_DEFAULTS.lineInterpolation, settings: { options: graphFieldOptions.lineInterpolation } })
        .addRadio({ path: "barAlignment", name: "Bar alignment", category, defaultValue: GRAPH_DEFAULTS.barAlignment, settings: { options: graphFieldOptions.barAlignment } })
        .addSliderInput({ path: "barWidthFactor", name: "Bar width factor", category, defaultValue: GRAPH_DEFAULTS.barWidthFactor, settings: { min: 0.1, max: 1, step: 0.1 } })
        .addSliderInput({ path: "lineWidth", name: "Line width", category, defaultValue: GRAPH_DEFAULTS.lineWidth, settings: { min: 0, max: 10, step: 1 } })
        .addSliderInput({ path: "fillOpacity", name: "Fill opacity", category, defaultValue: GRAPH_DEFAULTS.fillOpacity, settings: { min: 0, max: 100, step: 1 } })
        .addRadio({ path: "gradientMode", name: "Gradient mode", category, defaultValue: graphFieldOptions.fillGradient[0]!.value, settings: { options: graphFieldOptions.fillGradient } })
        .addRadio({ path: "showPoints", name: "Show points", category, defaultValue: graphFieldOptions.showPoints[0]!.value, settings: { options: graphFieldOptions.showPoints } })
        .addSliderInput({ path: "pointSize", name: "Point size", category, defaultValue: 5, settings: { min: 1, max: 40, step: 1 } });
      custom("lineStyle", undefined, (field) => field.type === data.FieldType.number);
      custom("spanNulls", false, (field) => field.type !== data.FieldType.time);
      custom("insertNulls", false, (field) => field.type !== data.FieldType.time);
      commonOptionsBuilder.addStackingConfig(builder, GRAPH_DEFAULTS.stacking, category);
      commonOptionsBuilder.addAxisConfig(builder, GRAPH_DEFAULTS);
      commonOptionsBuilder.addHideFrom(builder);
      custom("thresholdsStyle", { mode: "off" });
    },
  });
  plugin.setPanelOptions((builder) => {
    commonOptionsBuilder.addTooltipOptions(builder as never);
    commonOptionsBuilder.addLegendOptions(builder as never);
  });
}
