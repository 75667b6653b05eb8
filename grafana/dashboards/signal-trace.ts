// The signal trace: one signal followed through the system, from the signal to its orders (by
// orders.signal_id and by signal_order_relationships), their fills and fees, and the asset's position now.
import { TextBoxVariableBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import type { DashboardDefinition } from "../types.ts";
import { postgresQuery } from "../queries/postgres.ts";
import * as col from "../columns.ts";
import { type Column, POSITION_COLUMNS, QUOTE_CURRENCY, columns } from "../columns.ts";
import { COLORS, ORDER_STATUS, SIDE } from "../look.ts";
import { Layout } from "./layout.ts";
import { MAIN_DASHBOARD, SIGNAL_TRACE_DASHBOARD, dashboardDefinition, dashboardLink, toolkitDashboard } from "./identity.ts";

const table = (title: string, description: string, sqlFile: string, empty: string, specs: Record<string, Column>) =>
  columns(new TablePanel().title(title).description(description).withTarget(postgresQuery(sqlFile)).noValue(empty), specs);

function signal() {
  return table(
    "Signal",
    "The signal as model-service recorded it: buy green, sell red, a warm-up signal yellow. Empty: no signal has this id; " +
      "a value that is not a UUID reads \"not a signal id\", an empty one asks for one (paste it from the signals table).",
    "trace-signal",
    "no signal with this id",
    {
      signal_id: col.text("Signal"),
      timestamp: col.time("Time"),
      strategy_id: col.text("Strategy"),
      asset: col.text("Asset"),
      side: col.status("Side", SIDE, COLORS.neutral),
      price: col.amount("Price"),
      confidence: col.percent("Confidence"),
      model_version: col.text("Model version"),
      warm_up: col.flag("Warm-up", "warn"),
      trace_id: col.text("Trace id"),
      created_at: col.time("Recorded"),
    },
  );
}

function ordersOfTheSignal() {
  return table(
    "Orders of the signal",
    "Every order of the signal, found by orders.signal_id and by signal_order_relationships (Linked by says which: green " +
      "both, yellow only one, which means the two records disagree), and, in blue, order-manager's horizon close of a position " +
      "those orders moved (a reduce-only order with a signal id of its own, found through position_orders). Status coloured " +
      "as in the main dashboard's orders: red rejected, with its reason.",
    "trace-orders",
    "no orders for this signal",
    {
      order_id: col.text("Order"),
      // A link found only one way means the two records disagree.
      linked_by: col.status("Linked by", {
        "orders.signal_id + signal_order_relationships": { color: COLORS.ok },
        "horizon close of its position": { color: COLORS.info },
      }),
      created_at: col.time("Created"),
      asset: col.text("Asset"),
      side: col.status("Side", SIDE, COLORS.neutral),
      order_type: col.text("Type"),
      status: col.status("Status", ORDER_STATUS),
      rejection_reason: col.text("Rejection reason"),
      quantity: col.amount("Quantity"),
      price: col.amount("Price"),
      dry_run: col.flag("Dry run", "info"),
    },
  );
}

function fillsAndFees() {
  return table(
    "Fills and fees",
    `What was executed for the signal: each order's filled quantity, average price, fees (${QUOTE_CURRENCY}) and time, and ` +
      "execution_events rows if any, with their realized PnL (red a loss, green a gain).",
    "trace-fills",
    "nothing executed for this signal",
    {
      source: col.text("From"),
      executed_at: col.time("Executed"),
      quantity: col.amount("Quantity"),
      price: col.amount("Price"),
      fees: col.fee("Fees"),
      realized_pnl: col.pnl("Realized PnL"),
    },
  );
}

function positionNow() {
  return table(
    "Position now",
    `The position the signal's orders moved (found through position_orders), or, without such a link, the signal's asset's ` +
      `position per mode, the open one or else the last closed ("found by asset"), as position-manager holds it now; PnL in ${QUOTE_CURRENCY} (red a loss, green a gain). ` +
      "A closed position shows no live price, and what closed it where position_orders records the closing fill: blue " +
      "\"horizon close\" (order-manager's reduce-only close at the signal's horizon), \"order\" (any other), or \"not recorded\".",
    "trace-position",
    "no position in this asset",
    {
      ...POSITION_COLUMNS,
      closed_at: col.time("Closed", "open"),
      found_by: col.text("Found by"),
      closed_by: col.status("Closed by", { "horizon close": { color: COLORS.info }, order: { color: COLORS.neutral }, "not recorded": { color: COLORS.neutral } }),
      closing_order: col.text("Closing order"),
    },
  );
}

export function signalTraceDashboard(): DashboardDefinition {
  const board = toolkitDashboard(SIGNAL_TRACE_DASHBOARD, "One trading signal through the system: its orders, fills and fees, and the position in its asset now.")
    .withVariable(new TextBoxVariableBuilder("signal_id").label("Signal id").description("A signal_id (UUID), e.g. from the signals table"))
    .link(dashboardLink(MAIN_DASHBOARD));

  new Layout(board)
    .panels(5, [signal(), 24])
    .panels(8, [ordersOfTheSignal(), 14], [fillsAndFees(), 10])
    .panels(5, [positionNow(), 24]);

  return dashboardDefinition(board);
}
