// A dashboard laid out as Grafana lays it out: 24 columns, rows of 30 px, 8 px between panels
// (public/app/core/constants.ts GRID_CELL_HEIGHT, GRID_CELL_VMARGIN, GRID_COLUMN_COUNT; react-grid-layout
// places an item at x·(column + margin), y·(row + margin), w·column + (w−1)·margin wide and
// h·row + (h−1)·margin high). Above the grid: the title, the time range and the variables, as a caption
// of the picture (not Grafana's controls bar).
import type { GrafanaTheme2, TimeRange } from "@grafana/data";
import { Icon } from "@grafana/ui";
import type { GrafanaData } from "../../scripts/lib/display/grafana-data.ts";
import type { PreviewDashboard } from "../../scripts/lib/preview/payload.ts";
import { Panel, type Prepared } from "./panels.tsx";

const ROW_HEIGHT = 30;
const MARGIN = 8;
const COLUMNS = 24;

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function gridBox(gridPos: { x: number; y: number; w: number; h: number }, gridWidth: number): Box {
  const column = (gridWidth - MARGIN * (COLUMNS - 1)) / COLUMNS;
  return {
    left: Math.round(gridPos.x * (column + MARGIN)),
    top: Math.round(gridPos.y * (ROW_HEIGHT + MARGIN)),
    width: Math.round(column * gridPos.w + MARGIN * (gridPos.w - 1)),
    height: Math.round(ROW_HEIGHT * gridPos.h + MARGIN * (gridPos.h - 1)),
  };
}

export interface DashboardProps {
  data: GrafanaData;
  dashboard: PreviewDashboard;
  prepared: Prepared[];
  theme: GrafanaTheme2;
  width: number;
}

export function Dashboard({ data, dashboard, prepared, theme, width }: DashboardProps) {
  const timeRange: TimeRange = {
    from: data.dateTime(dashboard.range.from),
    to: data.dateTime(dashboard.range.to),
    raw: dashboard.range.raw,
  };
  const boxes = dashboard.panels.map((panel) => gridBox(panel.json.gridPos ?? { x: 0, y: 0, w: 12, h: 8 }, width));
  const gridHeight = Math.max(0, ...boxes.map((b) => b.top + b.height));
  const format = (ms: number) => data.dateTimeFormat(ms, { timeZone: dashboard.timeZone });
  return (
    <div data-preview-dashboard={dashboard.uid} style={{ width }}>
      <header style={{ padding: theme.spacing(0, 0, 2, 0) }}>
        {dashboard.caption && <div data-preview-caption="" style={{ color: theme.colors.warning.text, ...theme.typography.bodySmall, textTransform: "uppercase" }}>{dashboard.caption}</div>}
        <h1 style={{ ...theme.typography.h3, margin: 0 }}>{dashboard.title}</h1>
        <div style={{ color: theme.colors.text.secondary, ...theme.typography.bodySmall }}>
          <Icon name="clock-nine" size="sm" /> {format(dashboard.range.from)} to {format(dashboard.range.to)} ({dashboard.range.raw.from} to {dashboard.range.raw.to},{" "}
          {dashboard.timeZone.toUpperCase()})
          {dashboard.variables.map((v) => (
            <span key={v.name} style={{ marginLeft: theme.spacing(2) }}>
              {v.name} = {v.values.join(", ") || "(none)"}
            </span>
          ))}
        </div>
      </header>
      <div style={{ position: "relative", height: gridHeight }}>
        {dashboard.panels.map((panel, index) => {
          const box = boxes[index]!;
          const key = `${panel.json.id ?? "p"}-${index}`;
          if (panel.kind === "row") {
            return (
              <div key={key} style={{ position: "absolute", ...box, display: "flex", alignItems: "center", gap: theme.spacing(1), ...theme.typography.h5 }}>
                <Icon name="angle-down" /> {panel.json.title}
              </div>
            );
          }
          return (
            <div key={key} style={{ position: "absolute", ...box }}>
              <Panel
                data={data}
                panel={panel}
                prepared={prepared[index]!}
                theme={theme}
                timeRange={timeRange}
                timeZone={dashboard.timeZone}
                width={box.width}
                height={box.height}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}
