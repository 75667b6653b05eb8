// What a person sees on a panel, computed by Grafana's own frontend code (@grafana/data 13.2.3) from the
// panel's JSON and the frames its queries answer: the transformations, the panel's field options with the
// plugin's defaults (getPanelOptionsWithDefaults), the overrides (applyFieldOverrides, dark theme), the
// display processor of each field (value mappings, units, decimals, thresholds and their colours, noValue)
// and, for stats, the reduction (getFieldDisplayValues). What only React draws is read from Grafana's source:
// - table cells (packages/grafana-ui/src/components/Table/TableNG/): a cell's text is
//   formattedValueToString(field.display(value)) (Cells/AutoCell.tsx); its colour applies only when
//   custom.cellOptions.type is "color-text" (the text) or "color-background" (the background, gradient
//   unless mode is "basic"), utils/colors.ts getCellColorInlineStylesFactory; any other cell type, "auto"
//   (the default) included, is not coloured. A legacy custom.displayMode is migrated first
//   (utils/cellOptions.ts). Fields with custom.hideFrom.viz (or the older custom.hidden) are not shown.
// - a table without frames or fields shows the panel's noValue, else "No data"
//   (public/app/features/panel/components/PanelDataErrorView.tsx, getMessageFor); a table whose frame has
//   columns and no rows shows its header and the noValue, else "No rows" (TableNG EmptyTablePlaceholder).
// - a stat shows formattedValueToString of each reduced value (prefix, text, suffix), coloured as its
//   colorMode says (value: the text; background: the panel); no value at all shows noValue, else "No data".
import type { DataFrame, Field, FieldConfigSource, GrafanaTheme2, PanelPlugin } from "@grafana/data";
import { type GrafanaData, loadGrafanaData } from "./grafana-data.ts";
import { panelPlugin } from "./grafana-plugins.ts";
import { type StateSpan, stateSpans } from "./state-spans.ts";
import { type InputFrame, type TransformationModel, type TransformedFrame, fromDataFrames, toDataFrames, transformDataFrames } from "./frames.ts";

/** A panel as the generated dashboard JSON has it (rows flattened). */
export interface PanelJson {
  type: string;
  title?: string;
  fieldConfig?: { defaults?: Record<string, unknown>; overrides?: unknown[] };
  options?: Record<string, unknown>;
  transformations?: TransformationModel[];
}

export interface DisplayOptions {
  /** How many rows of a table to render (default 10). */
  rows?: number;
  /** The dashboard's time zone (default "utc", the dashboards' own). */
  timeZone?: string;
  /** The end of the time range (ms): where a state timeline's last span ends (default: its last sample). */
  rangeTo?: number;
}

/** How a cell or value is coloured: nothing, its text, or the background (solid or gradient). */
export type ColorMode = "none" | "text" | "background" | "background-gradient";

export interface CellDisplay {
  text: string;
  /** The colour as Grafana computes it (hex); absent when the cell type does not colour. */
  color?: string;
  raw: unknown;
}

export interface ColumnDisplay {
  /** The field's name in the frame (the SQL column or Infinity column). */
  field: string;
  /** The header a person reads: displayName (organize renames, overrides) or the field name. */
  header: string;
  type: string;
  cellType: string;
  colorMode: ColorMode;
  unit?: string;
  decimals?: number;
  /** The field has data links (the text reads as a link). */
  links: boolean;
}

export interface TableDisplay {
  kind: "table";
  /** Frames after the transformations; a table shows one (options.frameIndex) with a picker for the others. */
  frameCount: number;
  columns: ColumnDisplay[];
  rows: CellDisplay[][];
  totalRows: number;
  /** Set when no row shows: the text in place of the rows. */
  message?: string;
}

export interface StatValueDisplay {
  /** The display name of the reduced field ("No data" when there is none). */
  name: string;
  /** What a person reads: prefix, text and suffix (unit) composed by formattedValueToString. */
  shown: string;
  text: string;
  prefix?: string;
  suffix?: string;
  numeric: number;
  color?: string;
  colorMode: ColorMode;
}

export interface StatDisplay {
  kind: "stat";
  values: StatValueDisplay[];
}

/** Panels whose drawing is not text (time series): the frames and field names they plot. */
export interface SeriesDisplay {
  kind: "series";
  frameCount: number;
  fields: string[];
  message?: string;
}

/** A state timeline: its spans, each a run of one state of one series (state-spans.ts). */
export interface StatesDisplay {
  kind: "states";
  frameCount: number;
  spans: StateSpan[];
  message?: string;
}

export type PanelDisplay = TableDisplay | StatDisplay | SeriesDisplay | StatesDisplay;

/** A panel as Grafana's browser holds it just before the visualisation draws it: the plugin's defaults
 *  filled in, the transformations run and the field config applied (every field has its display processor). */
export interface PreparedPanel {
  fieldConfig: FieldConfigSource;
  options: Record<string, unknown>;
  series: DataFrame[];
}

/** The steps between the query answers and the drawing, as Grafana runs them when it loads the panel. The
 *  plugin (its field options and defaults) is the one of `panel.type` unless the caller brings its own. */
export async function preparePanel(
  data: GrafanaData,
  panel: PanelJson,
  frames: ReadonlyArray<InputFrame>,
  timeZone = "utc",
  plugin: PanelPlugin = panelPlugin(data, panel.type),
): Promise<PreparedPanel> {
  // Grafana fills the plugin's defaults in when it loads the panel (and turns a null base threshold into -Infinity)
  const { fieldConfig, options } = data.getPanelOptionsWithDefaults({
    plugin,
    currentOptions: structuredClone(panel.options ?? {}),
    currentFieldConfig: structuredClone({ defaults: panel.fieldConfig?.defaults ?? {}, overrides: panel.fieldConfig?.overrides ?? [] }) as FieldConfigSource,
    isAfterPluginChange: false,
  });
  const transformed = await transformDataFrames(data, panel.transformations ?? [], toDataFrames(data, frames));
  const series = data.applyFieldOverrides({
    data: transformed,
    fieldConfig,
    fieldConfigRegistry: plugin.fieldConfigRegistry,
    replaceVariables: (text: string) => text,
    theme: darkTheme(data),
    timeZone,
  });
  return { fieldConfig, options, series };
}

/** What Grafana shows on this panel for these frames (the frames as the queries answered them). */
export async function displayPanel(panel: PanelJson, frames: ReadonlyArray<InputFrame>, options: DisplayOptions = {}): Promise<PanelDisplay> {
  return (await displayPanelFrames(panel, frames, options)).display;
}

/** What Grafana shows, and the frames after the panel's transformations (what the visualisation draws). */
export async function displayPanelFrames(
  panel: PanelJson,
  frames: ReadonlyArray<InputFrame>,
  options: DisplayOptions = {},
): Promise<{ display: PanelDisplay; frames: TransformedFrame[] }> {
  const data = await loadGrafanaData();
  const theme = darkTheme(data);
  const timeZone = options.timeZone ?? "utc";
  const { fieldConfig, options: panelOptions, series } = await preparePanel(data, panel, frames, timeZone);
  return { display: panelDisplay(data, panel, series, fieldConfig, panelOptions, theme, timeZone, options), frames: fromDataFrames(series) };
}

function panelDisplay(
  data: GrafanaData,
  panel: PanelJson,
  series: DataFrame[],
  fieldConfig: FieldConfigSource,
  panelOptions: Record<string, unknown>,
  theme: GrafanaTheme2,
  timeZone: string,
  options: DisplayOptions,
): PanelDisplay {
  if (panel.type === "table") return tableDisplay(data, series, fieldConfig, panelOptions, options.rows ?? 10);
  if (panel.type === "stat") return statDisplay(data, series, fieldConfig, panelOptions, theme, timeZone);
  if (panel.type === "state-timeline") {
    const spans = stateSpans(data, series, options.rangeTo ?? 0);
    return { kind: "states", frameCount: series.length, spans, ...(spans.length ? {} : { message: fieldConfig.defaults.noValue ?? "No data" }) };
  }
  const shown = series.filter((f) => f.length > 0);
  return {
    kind: "series",
    frameCount: series.length,
    fields: shown.flatMap((frame) => frame.fields.map((f) => data.getFieldDisplayName(f, frame, series))),
    ...(shown.length ? {} : { message: fieldConfig.defaults.noValue ?? "No data" }),
  };
}

let theme: GrafanaTheme2 | undefined;
/** Grafana's default theme (dark), as config.theme2 in the browser. */
function darkTheme(data: GrafanaData): GrafanaTheme2 {
  theme ??= data.createTheme();
  return theme;
}

function tableDisplay(data: GrafanaData, series: DataFrame[], fieldConfig: FieldConfigSource, options: Record<string, unknown>, limit: number): TableDisplay {
  const noValue = fieldConfig.defaults.noValue;
  if (!series.length || !series.some((frame) => frame.fields.length > 0)) {
    return { kind: "table", frameCount: series.length, columns: [], rows: [], totalRows: 0, message: noValue ?? "No data" };
  }
  const index = Number(options.frameIndex ?? 0);
  const frame = series[index > 0 && index < series.length ? index : 0]!;
  const fields = frame.fields.filter((field) => !field.config.custom?.hideFrom?.viz && !field.config.custom?.hidden);
  const columns = fields.map((field) => columnDisplay(data, field, frame, series));
  const rows: CellDisplay[][] = [];
  for (let row = 0; row < Math.min(frame.length, limit); row++) {
    rows.push(fields.map((field, i) => cellDisplay(data, field, columns[i]!.colorMode, field.values[row])));
  }
  return {
    kind: "table",
    frameCount: series.length,
    columns,
    rows,
    totalRows: frame.length,
    ...(frame.length ? {} : { message: noValue ?? "No rows" }),
  };
}

function cellOptionsOf(field: Field): { type: string; mode?: string } {
  const legacy = field.config.custom?.displayMode as string | undefined;
  if (legacy === "color-background") return { type: "color-background", mode: "gradient" };
  if (legacy === "color-background-solid") return { type: "color-background", mode: "basic" };
  if (legacy) return { type: legacy };
  return (field.config.custom?.cellOptions as { type: string; mode?: string } | undefined) ?? { type: "auto" };
}

function columnDisplay(data: GrafanaData, field: Field, frame: DataFrame, series: DataFrame[]): ColumnDisplay {
  const cellOptions = cellOptionsOf(field);
  const colorMode: ColorMode =
    cellOptions.type === "color-text" ? "text" : cellOptions.type === "color-background" ? (cellOptions.mode === "basic" ? "background" : "background-gradient") : "none";
  return {
    field: field.name,
    header: data.getFieldDisplayName(field, frame, series),
    type: field.type,
    cellType: cellOptions.type,
    colorMode,
    ...(field.config.unit ? { unit: field.config.unit } : {}),
    ...(field.config.decimals != null ? { decimals: field.config.decimals } : {}),
    links: Boolean(field.config.links?.length),
  };
}

function cellDisplay(data: GrafanaData, field: Field, colorMode: ColorMode, raw: unknown): CellDisplay {
  const value = raw === undefined ? null : raw;
  const display = field.display!(value);
  const text = data.formattedValueToString(display);
  return colorMode !== "none" && display.color ? { text, color: display.color, raw: value } : { text, raw: value };
}

function statDisplay(
  data: GrafanaData,
  series: DataFrame[],
  fieldConfig: FieldConfigSource,
  options: Record<string, unknown>,
  theme: GrafanaTheme2,
  timeZone: string,
): StatDisplay {
  // A stat's reduceOptions default (public/app/plugins/panel/stat/common.ts addStandardDataReduceOptions)
  const reduceOptions = { values: false, calcs: ["lastNotNull"], fields: "", ...(options.reduceOptions as object | undefined) };
  const colorMode = String(options.colorMode ?? "value");
  const mode: ColorMode = colorMode === "background" ? "background-gradient" : colorMode === "background_solid" ? "background" : colorMode === "none" ? "none" : "text";
  const shown = data.getFieldDisplayValues({ fieldConfig, reduceOptions, data: series, theme, timeZone, replaceVariables: (text: string) => text });
  return {
    kind: "stat",
    values: shown.map(({ display, name }) => ({
      name,
      shown: data.formattedValueToString(display),
      text: display.text,
      ...(display.prefix ? { prefix: display.prefix } : {}),
      ...(display.suffix ? { suffix: display.suffix } : {}),
      numeric: display.numeric,
      ...(mode !== "none" && display.color ? { color: data.colorManipulator.asHexString(display.color) } : {}),
      colorMode: mode,
    })),
  };
}
