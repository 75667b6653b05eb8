// The signal trace: one signal followed through the system, from the signal to its orders (by
// orders.signal_id and by signal_order_relationships), their fills and fees, and the asset's position now.
import { DashboardLinkBuilder, TextBoxVariableBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import type { DashboardDefinition } from "../types.ts";
import { postgresQuery } from "../queries/postgres.ts";
import { COLORS, ORDER_STATUS_MAPPINGS, colorCells, mappingsOf, textMappings } from "../look.ts";
import { Layout } from "./layout.ts";
import { MAIN_DASHBOARD, SIGNAL_TRACE_DASHBOARD, dashboardDefinition, toolkitDashboard } from "./identity.ts";

const table = (title: string, description: string, sqlFile: string, empty: string) =>
  new TablePanel().title(title).description(description).withTarget(postgresQuery(sqlFile)).noValue(empty);

export function signalTraceDashboard(): DashboardDefinition {
  const board = toolkitDashboard(SIGNAL_TRACE_DASHBOARD, "One trading signal through the system: its orders, fills and fees, and the position in its asset now.")
    .withVariable(new TextBoxVariableBuilder("signal_id").label("Signal id").description("A signal_id (UUID), e.g. from the signals table"))
    .link(new DashboardLinkBuilder(MAIN_DASHBOARD.title).url(`/d/${MAIN_DASHBOARD.uid}`).keepTime(true));

  new Layout(board)
    .panels(
      5,
      [
        table("Signal", "The signal as model-service recorded it. Empty: no signal has this id (paste one from the signals table).", "trace-signal", "no signal with this id"),
        24,
      ],
    )
    .panels(
      8,
      [
        table(
          "Orders of the signal",
          "Every order of the signal, found by orders.signal_id and by signal_order_relationships (linked_by says which). Red: rejected, with its reason.",
          "trace-orders",
          "no orders for this signal",
        )
          .overrideByName("status", [colorCells, mappingsOf(ORDER_STATUS_MAPPINGS)])
          .overrideByName("linked_by", [
            colorCells,
            // A link found only one way means the two records disagree.
            mappingsOf(textMappings({ "orders.signal_id + signal_order_relationships": { color: COLORS.ok } })),
          ]),
        14,
      ],
      [
        table(
          "Fills and fees",
          "What was executed for the signal: each order's filled quantity, average price, fees and time, and execution_events rows if any.",
          "trace-fills",
          "nothing executed for this signal",
        ),
        10,
      ],
    )
    .panels(
      5,
      [table("Position now", "The position in the signal's asset as position-manager holds it now.", "trace-position", "no position in this asset"), 24],
    );

  return dashboardDefinition(board);
}
