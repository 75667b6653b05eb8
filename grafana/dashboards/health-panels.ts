// The Health row of the main dashboard (US5): the overall status, one status panel per part of the
// trading system, and the components table, all from the same health queries (../health.ts).
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { BigValueColorMode, BigValueGraphMode, BigValueTextMode, ReduceDataOptionsBuilder } from "@grafana/grafana-foundation-sdk/common";
import { MappingType, SpecialValueMatch } from "@grafana/grafana-foundation-sdk/dashboard";
import * as col from "../columns.ts";
import { columns } from "../columns.ts";
import { EXCHANGE_LINK, HEALTHY_SCORE, type HealthSource, UNHEALTHY_SCORE, degradedScore, exchangeLinkSource, overallParts } from "../health.ts";
import { columnOrder } from "../queries/infinity.ts";
import {
  COLORS,
  CONNECTION_STATUS,
  MIXED_DATASOURCE,
  SERVICE_STATUS,
  type StatusWords,
  WEBSOCKET_STATUS,
  rangeMapping,
  specialColor,
  textMappings,
  thresholds,
} from "../look.ts";

/** Stat on one string field: each known word its colour, any other word yellow, and red "unknown" when its
 *  query gives nothing (a part nobody can reach ranks with unhealthy as the worst). */
export const statusStat = (title: string, field: string, words: StatusWords) =>
  new StatPanel()
    .title(title)
    .reduceOptions(new ReduceDataOptionsBuilder().values(false).calcs(["lastNotNull"]).fields(`/^${field}$/`))
    .colorMode(BigValueColorMode.Background)
    .graphMode(BigValueGraphMode.None)
    .textMode(BigValueTextMode.Value)
    .mappings([...textMappings(words), specialColor(SpecialValueMatch.Null, COLORS.bad, 50)])
    .thresholds({ build: () => thresholds(COLORS.warn) })
    .noValue("unknown");

/** The overall health of the parts `sources` (healthSources) and the exchange link. */
export function overallHealth(sources: readonly HealthSource[]) {
  const OVERALL_PARTS = overallParts(sources);
  const DEGRADED_SCORE = degradedScore(OVERALL_PARTS);
  const parts = [...sources.map((s) => s.service), EXCHANGE_LINK];
  const healthy = OVERALL_PARTS * HEALTHY_SCORE;
  // every part answered, all healthy but the link, which is not connected
  const degraded = (OVERALL_PARTS - 1) * HEALTHY_SCORE + DEGRADED_SCORE;
  const panel = statusStat("Overall health", "score", {})
    .description(
      `Green "healthy" only when all ${OVERALL_PARTS} parts (${parts.join(", ")}) answer healthy and the exchange link is ` +
        `connected. Orange "degraded": everything answers healthy but the Bybit WebSocket link is not connected. Red "unknown": ` +
        `some part could not be reached or answered garbage (its own panel says which); red "unhealthy": some part answered ` +
        `that it is not healthy (position-manager's "degraded" counts). Computed from each part's score (healthy ` +
        `${HEALTHY_SCORE}, link not connected ${DEGRADED_SCORE}, not healthy ${UNHEALTHY_SCORE}) merged and summed.`,
    )
    .datasource(MIXED_DATASOURCE)
    .reduceOptions(new ReduceDataOptionsBuilder().values(false).calcs(["sum"]).fields("/^score$/"))
    .mappings([
      {
        type: MappingType.ValueToText,
        options: { [String(healthy)]: { text: "healthy", color: COLORS.ok, index: 0 }, [String(degraded)]: { text: "degraded", color: COLORS.degraded, index: 1 } },
      },
      rangeMapping(UNHEALTHY_SCORE, null, "unhealthy", COLORS.bad, 2),
      rangeMapping(0, UNHEALTHY_SCORE - 1, "unknown", COLORS.bad, 3),
      specialColor(SpecialValueMatch.Null, COLORS.bad, 4),
    ])
    .withTransformation({ id: "merge", options: {} });
  for (const source of [...sources, exchangeLinkSource(OVERALL_PARTS)]) panel.withTarget(source.query());
  return panel;
}

export function serviceStatus(source: HealthSource) {
  return statusStat(source.service, "status", SERVICE_STATUS)
    .description(
      `${source.service} as it reports itself. Green "healthy"; orange "degraded"; red "unhealthy", or red "unknown" (with an ` +
        `error on the panel) when it cannot be reached or answers something that is not its health JSON; yellow any other word.`,
    )
    .withTarget(source.query());
}

export function serviceComponents(sources: readonly HealthSource[]) {
  const panel = new TablePanel()
    .title("Service components and errors")
    .description(
      "One row per part that answered: its status, database and queue connections, the exchange link (ws-gateway), " +
        "model storage (model-service), the errors model-service's checks report and position-manager's validation errors and " +
        "discrepancies; a cell that does not apply to the part is empty. position-manager's positions_count is left out: it " +
        "counts every row of positions, closed history included, not the open ones (those are in Positions and PnL). A part that cannot be reached has no row here (its " +
        "status panel above says unknown). Red: disconnected, unhealthy, or any error; orange: degraded; yellow: a status word " +
        "not known here.",
    )
    .datasource(MIXED_DATASOURCE)
    .withTransformation({ id: "merge", options: {} })
    .withTransformation({
      id: "organize",
      options: { excludeByName: { score: true }, indexByName: columnOrder(sources.flatMap((source) => (source.columns ? [source.columns] : [])), ["score"]) },
    })
    .noValue("no service answered");
  for (const source of sources) panel.withTarget(source.query());
  return columns(panel, {
    service: col.text("Part"),
    status: col.status("Status", SERVICE_STATUS),
    database: col.status("Database", CONNECTION_STATUS),
    queue: col.status("Queue", CONNECTION_STATUS),
    websocket: col.status("Exchange link", WEBSOCKET_STATUS),
    storage: col.status("Model storage", SERVICE_STATUS),
    errors: col.errorText("Errors"),
    validation_errors: col.countAlert("Validation errors", COLORS.ok, [1, COLORS.bad]),
    discrepancies: col.countAlert("Discrepancies", COLORS.ok, [1, COLORS.bad]),
    detail: col.text("Detail"),
  });
}
