// One panel as Grafana draws it: PanelChrome (frame, title, description, error status) around the
// visualisation of its kind, fed with the frames preparePanel made (the display module's code, so that
// what this page shows and what `displayPanel` computes come from the same steps). Each kind follows
// its panel in Grafana 13.2 (public/app/plugins/panel/<kind>/), read from source:
// - table: the fields' display names cached first (cacheFieldDisplayNames: TableNG reads a header from
//   field.state, which applyFieldOverrides clears), then TableNG on the frame options.frameIndex picks,
//   with a picker below when there are several frames; no frame or no field: the panel's noValue, else
//   "No data" (table-new/TablePanel.tsx);
// - stat: a VizRepeater of BigValue over getFieldDisplayValues; textMode auto shows the name too when
//   the field has a displayName or the panel no title (StatPanel.tsx);
// - time series: timeseries.tsx; text: options.content as markdown (renderTextPanelMarkdown) or
//   sanitized HTML (TextPanel.tsx); state timeline: state-spans.tsx, a stand-in, labelled as one.
import { type ReactNode, useMemo, useState } from "react";
import type { DataFrame, FieldConfigSource, FieldDisplay, GrafanaTheme2, TimeRange, VizOrientation } from "@grafana/data";
import type { BigValueColorMode, BigValueGraphMode, BigValueJustifyMode, BigValueTextMode, PercentChangeColorMode, VizTextDisplayOptions } from "@grafana/schema";
import { Badge, BigValue, Combobox, ErrorBoundary, PanelChrome, VizRepeater } from "@grafana/ui";
import { TableNG } from "@grafana/ui/unstable";
import type { GrafanaData } from "../../scripts/lib/display/grafana-data.ts";
import type { PreviewPanel } from "../../scripts/lib/preview/payload.ts";
import { NoData } from "./no-data.tsx";
import { StateSpans } from "./state-spans.tsx";
import { TimeSeriesPanel } from "./timeseries.tsx";

/** A panel after preparePanel, or the error that stopped it (a transformation Grafana's app alone has). */
export type Prepared = { fieldConfig: FieldConfigSource; options: Record<string, unknown>; series: DataFrame[] } | { failure: string };

export interface PanelProps {
  data: GrafanaData;
  panel: PreviewPanel;
  prepared: Prepared;
  theme: GrafanaTheme2;
  timeRange: TimeRange;
  timeZone: string;
  width: number;
  height: number;
}

export function Panel(props: PanelProps) {
  const { panel, prepared, width, height } = props;
  const json = panel.json;
  const failure = panel.error ?? ("failure" in prepared ? prepared.failure : undefined);
  const standIn = json.type === "state-timeline";
  return (
    <div data-preview-panel={json.id ?? ""} data-preview-type={json.type} data-preview-title={json.title ?? ""} data-preview-error={failure ? "true" : "false"}>
      <PanelChrome
        width={width}
        height={height}
        title={json.title ?? ""}
        description={json.description}
        statusMessage={failure}
        titleItems={standIn ? <Badge color="orange" icon="info-circle" text="stand-in: state timeline drawn as a table of state spans" /> : undefined}
      >
        {(innerWidth, innerHeight) => (
          <ErrorBoundary>
            {({ error }) => (error ? <NoData text={`This panel could not be drawn: ${error.message}`} /> : <Visualization {...props} width={innerWidth} height={innerHeight} />)}
          </ErrorBoundary>
        )}
      </PanelChrome>
    </div>
  );
}

function Visualization(props: PanelProps): ReactNode {
  const { data, panel, prepared, theme, timeRange, timeZone, width, height } = props;
  if ("failure" in prepared) return <NoData text="No data" />;
  const { fieldConfig, options, series } = prepared;
  switch (panel.json.type) {
    case "table":
      return <Table series={series} fieldConfig={fieldConfig} options={options} timeRange={timeRange} width={width} height={height} theme={theme} data={data} />;
    case "stat":
      return <Stat series={series} fieldConfig={fieldConfig} options={options} title={panel.json.title ?? ""} theme={theme} timeRange={timeRange} timeZone={timeZone} width={width} height={height} data={data} />;
    case "timeseries":
      return <TimeSeriesPanel data={data} series={series} fieldConfig={fieldConfig} options={options} theme={theme} timeRange={timeRange} timeZone={timeZone} width={width} height={height} />;
    case "state-timeline":
      return <StateSpans data={data} series={series} fieldConfig={fieldConfig} theme={theme} timeRange={timeRange} timeZone={timeZone} width={width} height={height} />;
    case "text":
      return <Text data={data} options={options} />;
    default:
      return <NoData text={`The preview does not draw "${panel.json.type}" panels`} />;
  }
}

interface TableProps {
  data: GrafanaData;
  series: DataFrame[];
  fieldConfig: FieldConfigSource;
  options: Record<string, unknown>;
  timeRange: TimeRange;
  theme: GrafanaTheme2;
  width: number;
  height: number;
}

export function Table({ data, series, fieldConfig, options, timeRange, theme, width, height }: TableProps) {
  const frameIndex = Number(options.frameIndex ?? 0);
  const [current, setCurrent] = useState(frameIndex > 0 && frameIndex < series.length ? frameIndex : 0);
  useMemo(() => data.cacheFieldDisplayNames(series), [data, series]);
  if (!series.length || !series.some((frame) => frame.fields.length > 0)) return <NoData text={fieldConfig.defaults.noValue ?? "No data"} />;
  const picker = series.length > 1 ? theme.spacing.gridSize * theme.components.height.md + theme.spacing.gridSize : 0;
  const table = (
    <TableNG
      data={series[current]!}
      width={width}
      height={height - picker}
      noHeader={options.showHeader === false}
      noValue={fieldConfig.defaults.noValue}
      showTypeIcons={Boolean(options.showTypeIcons)}
      resizable={true}
      sortBy={options.sortBy as never}
      sortByBehavior="initial"
      frozenColumns={(options.frozenColumns as { left?: number } | undefined)?.left}
      enablePagination={Boolean(options.enablePagination)}
      cellHeight={options.cellHeight as never}
      maxRowHeight={options.maxRowHeight as number | undefined}
      timeRange={timeRange}
      fieldConfig={fieldConfig}
    />
  );
  if (series.length === 1) return table;
  const names = series.map((frame, index) => ({ label: data.getFrameDisplayName(frame, index), value: index }));
  return (
    <div style={{ display: "flex", flexDirection: "column", gap: theme.spacing(1.5), height: "100%" }}>
      {table}
      <Combobox options={names} value={current} onChange={(option) => setCurrent(option?.value ?? 0)} />
    </div>
  );
}

interface StatProps {
  data: GrafanaData;
  series: DataFrame[];
  fieldConfig: FieldConfigSource;
  options: Record<string, unknown>;
  title: string;
  theme: GrafanaTheme2;
  timeRange: TimeRange;
  timeZone: string;
  width: number;
  height: number;
}

interface StatOptions {
  colorMode: BigValueColorMode;
  graphMode: BigValueGraphMode;
  justifyMode: BigValueJustifyMode;
  textMode: BigValueTextMode;
  wideLayout: boolean;
  orientation: VizOrientation;
  showPercentChange: boolean;
  percentChangeColorMode: PercentChangeColorMode;
  text?: VizTextDisplayOptions;
}

/** The stat panel's option defaults (public/app/plugins/panel/stat/panelcfg.gen.ts and common.ts). */
const STAT_DEFAULTS = {
  colorMode: "value",
  graphMode: "area",
  justifyMode: "auto",
  textMode: "auto",
  wideLayout: true,
  orientation: "auto",
  showPercentChange: false,
  percentChangeColorMode: "standard",
} as StatOptions;

export function Stat({ data, series, fieldConfig, options: given, title, theme, timeRange, timeZone, width, height }: StatProps) {
  const options: StatOptions = { ...STAT_DEFAULTS, ...(given as Partial<StatOptions>) };
  const reduceOptions = { values: false, calcs: ["lastNotNull"], fields: "", ...(given.reduceOptions as object | undefined) };
  const textMode = options.textMode === "auto" && (fieldConfig.defaults.displayName || !title) ? ("value_and_name" as BigValueTextMode) : options.textMode;
  const getValues = (): FieldDisplay[] =>
    data.getFieldDisplayValues({
      fieldConfig,
      reduceOptions,
      replaceVariables: (text: string) => text,
      theme,
      data: series,
      sparkline: options.graphMode !== "none",
      percentChange: options.showPercentChange,
      timeZone,
    });
  return (
    <VizRepeater<FieldDisplay, ReturnType<GrafanaData["getDisplayValueAlignmentFactors"]>>
      getValues={getValues}
      getAlignmentFactors={data.getDisplayValueAlignmentFactors}
      renderValue={({ value, alignmentFactors, width: w, height: h, count }) => {
        const sparkline = value.sparkline ? { ...value.sparkline, timeRange } : undefined;
        return (
          <BigValue
            value={value.display}
            count={count}
            sparkline={sparkline}
            colorMode={options.colorMode}
            graphMode={options.graphMode}
            justifyMode={options.justifyMode}
            textMode={textMode}
            alignmentFactors={alignmentFactors}
            text={options.text}
            width={w}
            height={h}
            theme={theme}
            disableWideLayout={!options.wideLayout}
            percentChangeColorMode={options.percentChangeColorMode}
          />
        );
      }}
      width={width}
      height={height}
      source={series}
      itemSpacing={3}
      renderCounter={0}
      autoGrid={true}
      orientation={options.orientation}
    />
  );
}

function Text({ data, options }: { data: GrafanaData; options: Record<string, unknown> }) {
  const content = String(options.content ?? "");
  const mode = String(options.mode ?? "markdown");
  if (mode === "code") return <pre style={{ margin: 0, overflow: "auto", height: "100%" }}>{content}</pre>;
  const html = mode === "html" ? data.textUtil.sanitize(content) : data.renderTextPanelMarkdown(content);
  return <div className="markdown-html" style={{ height: "100%", overflow: "auto" }} dangerouslySetInnerHTML={{ __html: html }} />;
}
