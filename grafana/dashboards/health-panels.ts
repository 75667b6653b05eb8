// The Health row of the main dashboard (US5): the overall status, one status panel per part of the
// trading system, and the components table, all from the same health queries (../health.ts).
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { BigValueColorMode, BigValueGraphMode, BigValueTextMode, ReduceDataOptionsBuilder } from "@grafana/grafana-foundation-sdk/common";
import { HEALTHY_SCORE, HEALTH_SOURCES, type HealthSource, UNHEALTHY_SCORE } from "../health.ts";
import { columnOrder } from "../queries/infinity.ts";
import {
  COLORS,
  MIXED_DATASOURCE,
  NEUTRAL_THRESHOLDS,
  SERVICE_STATUS_MAPPINGS,
  WEBSOCKET_STATUS_MAPPINGS,
  colorCells,
  mappingsOf,
  rangeMapping,
  textMappings,
} from "../look.ts";

/** Stat on one string field, coloured by mappings; "unknown" when its query gives nothing. */
export const statusStat = (title: string, field: string) =>
  new StatPanel()
    .title(title)
    .reduceOptions(new ReduceDataOptionsBuilder().values(false).calcs(["lastNotNull"]).fields(`/^${field}$/`))
    .colorMode(BigValueColorMode.Background)
    .graphMode(BigValueGraphMode.None)
    .textMode(BigValueTextMode.Value)
    .thresholds(NEUTRAL_THRESHOLDS)
    .noValue("unknown");

export function overallHealth() {
  const parts = HEALTH_SOURCES.length;
  const panel = statusStat("Overall health", "score")
    .description(
      `Healthy only when all ${parts} parts (${HEALTH_SOURCES.map((s) => s.service).join(", ")}) answer healthy. ` +
        `Red "unhealthy": some part answered that it is not healthy (position-manager's "degraded" counts). ` +
        `Orange "unknown": some part could not be reached or answered garbage; its own panel says which. ` +
        `Computed from each part's score (healthy ${HEALTHY_SCORE}, not healthy ${UNHEALTHY_SCORE}) merged and summed.`,
    )
    .datasource(MIXED_DATASOURCE)
    .reduceOptions(new ReduceDataOptionsBuilder().values(false).calcs(["sum"]).fields("/^score$/"))
    .mappings([
      rangeMapping(parts * HEALTHY_SCORE, parts * HEALTHY_SCORE, "healthy", COLORS.ok, 0),
      rangeMapping(0, parts * HEALTHY_SCORE - 1, "unknown", COLORS.unknown, 1),
      rangeMapping(UNHEALTHY_SCORE, null, "unhealthy", COLORS.bad, 2),
    ])
    .withTransformation({ id: "merge", options: {} });
  for (const source of HEALTH_SOURCES) panel.withTarget(source.query());
  return panel;
}

export function serviceStatus(source: HealthSource) {
  return statusStat(source.service, "status")
    .description(
      `${source.service} as it reports itself. Green only for "healthy"; red for "unhealthy" or "degraded"; ` +
        `"unknown" (with an error on the panel) when it cannot be reached or answers something that is not its health JSON.`,
    )
    .mappings(SERVICE_STATUS_MAPPINGS)
    .withTarget(source.query());
}

export function serviceComponents() {
  const panel = new TablePanel()
    .title("Service components and errors")
    .description(
      "One row per part that answered: its status, database and queue connections, the WebSocket status (ws-gateway), " +
        "model storage (model-service), the errors model-service's checks report and position-manager's validation errors. " +
        "A part that cannot be reached has no row here (its status panel above says unknown). Red: disconnected, unhealthy, or any error.",
    )
    .datasource(MIXED_DATASOURCE)
    .withTransformation({ id: "merge", options: {} })
    .withTransformation({
      id: "organize",
      options: { excludeByName: { score: true }, indexByName: columnOrder(HEALTH_SOURCES.flatMap((source) => (source.columns ? [source.columns] : [])), ["score"]) },
    })
    .overrideByName("status", [colorCells, mappingsOf(SERVICE_STATUS_MAPPINGS)])
    .overrideByName("database", [colorCells, mappingsOf(textMappings({ connected: { color: COLORS.ok }, disconnected: { color: COLORS.bad } }))])
    .overrideByName("queue", [colorCells, mappingsOf(textMappings({ connected: { color: COLORS.ok }, disconnected: { color: COLORS.bad } }))])
    .overrideByName("websocket", [colorCells, mappingsOf(WEBSOCKET_STATUS_MAPPINGS)])
    .overrideByName("storage", [colorCells, mappingsOf(SERVICE_STATUS_MAPPINGS)])
    .noValue("no service answered");
  for (const source of HEALTH_SOURCES) panel.withTarget(source.query());
  return panel;
}
