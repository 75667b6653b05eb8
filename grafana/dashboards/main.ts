// The main dashboard, uid trading-system-monitoring (the real system's existing uid): health on top, then
// the exchange link, signals, orders, model, RabbitMQ queues and the event history. One function a panel,
// named after what the operator sees; each description says what the panel shows and what red means.
import { TimeOptionBuilder, TimePickerBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { GraphDrawStyle, StackingConfigBuilder, StackingMode } from "@grafana/grafana-foundation-sdk/common";
import type { DashboardDefinition } from "../types.ts";
import * as col from "../columns.ts";
import { QUOTE_CURRENCY, columns } from "../columns.ts";
import { healthSources } from "../health.ts";
import { DEFAULT_RENDERING, type Rendering } from "../rendering.ts";
import { type RowColumns, columnOrder, infinityQuery, mapRows, valueAt } from "../queries/infinity.ts";
import { postgresQuery } from "../queries/postgres.ts";
import { COLORS, ORDER_STATUS, SIDE, colorOf, displayNameOf, eventTypeColors } from "../look.ts";
import { overallHealth, serviceComponents, serviceStatus } from "./health-panels.ts";
import { Layout } from "./layout.ts";
import { MAIN_DASHBOARD, SIGNAL_TRACE_DASHBOARD, dashboardDefinition, dashboardLink, toolkitDashboard } from "./identity.ts";
import { queueLag } from "./queue-panels.ts";
import { historyRows } from "./history-panels.ts";
import { firingAlerts, firingAlertsAnnotation } from "./alert-panels.ts";
import { EVENT_TYPES, assetVariable, eventTypeVariable, rejectedVariable, serviceVariable, strategyVariable } from "./variables.ts";
import { activeSubscriptions, websocketDetails, websocketStatus } from "./websocket-panels.ts";

// --- Health (US5): the rest of the row is in health-panels.ts -----------------------------------------

function rejectedOrders() {
  const panel = new TablePanel()
    .title("Rejected orders in the range")
    .description(
      "Orders that order-manager rejected in the time range, by reason, most frequent first, and when each reason was last seen. " +
        "Every count is red: any row here is an error worth reading.",
    )
    .withTarget(postgresQuery("rejected-orders"))
    .noValue("no rejected orders in this range");
  return columns(panel, {
    reason: col.text("Reason"),
    orders: col.countAlert("Rejected", COLORS.bad),
    last_seen: col.time("Last seen"),
  });
}

// --- Trading signals (US1) and orders (US2) -------------------------------------------------------------

function tradingSignals() {
  const panel = new TablePanel()
    .title("Trading signals: last 100")
    .description(
      "The last 100 signals, newest first, whatever the time range (it drives the time series), narrowed by strategy and asset. Buy green, sell red; warm-up signals (no model yet) " +
        "are marked yellow. Rejected signals (below the confidence threshold, or a hold prediction: stored on every inference, " +
        "never ordered) are left out unless Rejected signals is set to shown; then their reason is in Rejected. Click a signal " +
        "id to trace it through orders and fills.",
    )
    .withTarget(postgresQuery("signals"))
    .noValue("no signals yet");
  return columns(panel, {
    signal_id: col.signalId("Signal"),
    timestamp: col.time("Time"),
    strategy_id: col.text("Strategy"),
    asset: col.text("Asset"),
    side: col.status("Side", SIDE, COLORS.neutral),
    price: col.amount("Price"),
    confidence: col.percent("Confidence"),
    model_version: col.text("Model version"),
    warm_up: col.flag("Warm-up", "warn"),
    rejected: col.text("Rejected"),
  });
}

function signalRejections() {
  const panel = new TablePanel()
    .title("Signal rejections by reason")
    .description(
      "Signals model-service stored as rejected in the range, by reason: below the confidence threshold, or a hold prediction " +
        "(no direction). They are never published nor ordered, and the signals table leaves them out by default. Average " +
        "confidence against the threshold, and when each reason was last seen. Empty on a system that stores no rejections.",
    )
    .withTarget(postgresQuery("signal-rejections"))
    .noValue("no rejected signals in this range");
  return columns(panel, {
    reason: col.text("Reason"),
    signals: col.count("Signals"),
    avg_confidence: col.percent("Average confidence"),
    threshold: col.percent("Threshold"),
    last_seen: col.time("Last seen"),
  });
}

function recentOrders() {
  const panel = new TablePanel()
    .title("Orders: last 100")
    .description(
      "The last 100 orders, newest first, whatever the time range, and how each stands: filled green, partially filled yellow, pending blue, cancelled " +
        "orange, rejected red (its reason in Signal trace), dry run purple, any other status yellow. Execution price, fees and " +
        "executed-at come from the order (empty until it executes); realized PnL only where execution_events holds a numeric " +
        "value. Closes at horizon: when order-manager closes the position the filled order opened. From: the order's signal, or " +
        "blue a horizon close (order-manager's own reduce-only order, under a signal id with no signal row) or an exit rule's " +
        "close. Click a signal id to trace it.",
    )
    .withTarget(postgresQuery("orders"))
    .noValue("no orders yet");
  return columns(panel, {
    order_id: col.text("Order"),
    signal_id: col.signalId("Signal"),
    created_at: col.time("Created"),
    asset: col.text("Asset"),
    side: col.status("Side", SIDE, COLORS.neutral),
    order_type: col.text("Type"),
    status: col.status("Status", ORDER_STATUS),
    closure: col.text("Closed by"),
    quantity: col.amount("Quantity"),
    filled_quantity: col.amount("Filled"),
    execution_price: col.amount("Execution price"),
    fees: col.fee("Fees"),
    executed_at: col.time("Executed"),
    target_timestamp: col.time("Closes at horizon", "none"),
    origin: col.status("From", { signal: { color: COLORS.neutral }, "horizon close": { color: COLORS.info }, "exit rule (no signal row)": { color: COLORS.info } }),
    realized_pnl: col.pnl("Realized PnL"),
  });
}

function ordersPerHour() {
  return new TimeseriesPanel()
    .title("Orders per hour")
    .description(
      "The orders created in each hour of the range, stacked by how they stand: filled (or partly), rejected, and the rest " +
        "(cancelled, pending, dry run). The bar's height is the orders created; a growing red or grey share is the thing to look at.",
    )
    .withTarget(postgresQuery("orders-per-hour").timeSeries())
    .drawStyle(GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new StackingConfigBuilder().mode(StackingMode.Normal))
    .overrideByName("filled", [colorOf(COLORS.ok), displayNameOf("Filled")])
    .overrideByName("rejected", [colorOf(COLORS.bad), displayNameOf("Rejected")])
    .overrideByName("other", [colorOf("gray"), displayNameOf("Other")])
    .noValue("no orders in this range");
}

function positions() {
  const panel = new TablePanel()
    .title("Positions and PnL")
    .description(
      "One row per asset and mode, open positions first: the open position as position-manager holds it now (size, prices, " +
        `unrealized PnL in ${QUOTE_CURRENCY}), else the last closed one, with no live price; and how many positions of it closed in ` +
        "the range with their realized PnL. PnL basis: per position, or cumulative where the system reused one row per asset and " +
        "mode (the December 2025 schema: its realized PnL is the exchange's running total). PnL in red is a loss, in green a gain.",
    )
    .withTarget(postgresQuery("positions"))
    .noValue("no positions");
  return columns(panel, {
    asset: col.text("Asset"),
    mode: col.text("Mode"),
    state: col.status("State", { open: { color: COLORS.info }, closed: { color: COLORS.neutral } }),
    size: col.amount("Size"),
    average_entry_price: col.amount("Entry price"),
    current_price: col.amount("Current price", "closed"),
    unrealized_pnl: col.pnl("Unrealized PnL", "closed"),
    closed_in_range: col.count("Closed in range"),
    realized_pnl_in_range: col.pnl("Realized PnL in range", "none closed"),
    pnl_basis: col.text("PnL basis"),
    last_updated: col.time("Updated"),
  });
}

// --- Model (US3) ---------------------------------------------------------------------------------------

function modelState() {
  const panel = new TablePanel()
    .title("Model state per strategy")
    .description(
      "Per strategy and symbol (a model is trained for one symbol, or for all): the active model version (yellow none when there " +
        "is none), its type, when it was trained and how old it is, whether it is in warm-up (yellow yes), and the last accepted " +
        "signal (rejected ones are left out). Training now is in the panel beside.",
    )
    .withTarget(postgresQuery("model-state"))
    .noValue("no strategies yet");
  return columns(panel, {
    strategy_id: col.text("Strategy"),
    symbol: col.text("Symbol"),
    active_version: col.status("Active model", { none: { color: COLORS.warn } }, COLORS.neutral),
    model_type: col.text("Type"),
    trained_at: col.time("Trained"),
    age_hours: col.hours("Age"),
    warm_up: col.flag("Warm-up", "warn"),
    last_signal_at: col.time("Last signal", "none yet"),
  });
}

/** model-service's training status, in the order the table shows it. */
const TRAINING_COLUMNS: RowColumns = {
  training_now: ["boolean", valueAt("$t.is_training")],
  current_strategy: ["string", valueAt("$t.current_training.strategy_id")],
  current_started_at: ["timestamp", valueAt("$t.current_training.started_at")],
  last_strategy: ["string", valueAt("$t.last_training.strategy_id")],
  last_model_version: ["string", valueAt("$t.last_training.model_version")],
  last_completed_at: ["timestamp", valueAt("$t.last_training.completed_at")],
  next_scheduled_at: ["timestamp", valueAt("$t.next_scheduled_training")],
  queue_size: ["number", valueAt("$t.queue_size")],
};

/** A training status is an object saying (true or false) whether a model trains now; any other 200 (an
 *  error object, a proxy's page as JSON, a newer shape, a null flag) gives no row, and the panel says unknown
 *  instead of a row of nulls. Compared with both booleans: jsonata-go reads a JSON null as nothing. */
const TRAINING_STATUS_SHAPE = "$.is_training = true or $.is_training = false";

function trainingStatus() {
  const panel = new TablePanel()
    .title("Training now")
    .description(
      "model-service's training status (its API, with its API key): whether a model is training now (blue yes), the current " +
        "and last run, the next scheduled training and the queue. Unknown when model-service cannot be reached, refuses the " +
        "key, or answers something that is not a training status.",
    )
    .withTarget(
      infinityQuery("model-service", "/api/v1/training/status")
        .rootSelector(mapRows("$", "$t", TRAINING_COLUMNS, { when: TRAINING_STATUS_SHAPE }))
        .columns(TRAINING_COLUMNS),
    )
    .withTransformation({ id: "organize", options: { indexByName: columnOrder([TRAINING_COLUMNS]) } })
    .noValue("unknown");
  return columns(panel, {
    training_now: col.flag("Training now", "info"),
    current_strategy: col.text("Strategy now", "none"),
    current_started_at: col.time("Started"),
    last_strategy: col.text("Last strategy", "none yet"),
    last_model_version: col.text("Last model"),
    last_completed_at: col.time("Last completed"),
    next_scheduled_at: col.time("Next scheduled", "not scheduled"),
    queue_size: col.count("Queued"),
  });
}

function modelQuality() {
  const panel = new TablePanel()
    .title("Model quality per strategy")
    .description(
      "Per strategy and symbol (a model is trained for one symbol, or for all): the active model's latest win rate, accuracy and " +
        "total PnL as model-service evaluated them (of evaluations at the same time, the test split's, then validation's, then " +
        "train's), and the strategy's orders in the time range (on its first row only: orders carry no symbol's model): how many, " +
        `filled, fill rate. Realized PnL (${QUOTE_CURRENCY}) counts only numeric execution_events values. Red: win rate or fill rate under 50%, ` +
        "a loss; green: 50% and over, a gain.",
    )
    .withTarget(postgresQuery("model-quality"))
    .noValue("no strategies yet");
  return columns(panel, {
    strategy_id: col.text("Strategy"),
    symbol: col.text("Symbol"),
    active_version: col.text("Active model"),
    win_rate: col.percentAlert("Win rate", 0.5, "not evaluated"),
    accuracy: col.percent("Accuracy", "not evaluated"),
    model_total_pnl: col.pnl("Model PnL (evaluation)"),
    orders: col.count("Orders"),
    filled: col.count("Filled"),
    fill_rate: col.percentAlert("Fill rate", 0.5),
    realized_pnl: col.pnl("Realized PnL"),
  });
}

function qualityTrend() {
  return new TimeseriesPanel()
    .title("Model quality per training")
    .description("Win rate, accuracy, F1 and Sharpe ratio of each evaluation in the range, one line per strategy and metric: a falling line is a model losing quality.")
    .withTarget(postgresQuery("quality-trend").timeSeries())
    .noValue("no evaluations in this range");
}

// --- Event history (US7) -------------------------------------------------------------------------------

function eventHistory() {
  const panel = new TablePanel()
    .title("Event history: last 200")
    .description(
      "The last 200 key events, newest first, whatever the time range; each kind keeps its own newest 200, so frequent ones never " +
        "push rare ones out: signals received, signals rejected (no colour: routine, one on most inferences), positions closed, " +
        "orders created, filled, cancelled and rejected, model trainings started and completed " +
        "(model versions, and the training status `bun run monitor` reads), models activated, WebSocket subscriptions created and " +
        "cancelled, with the ids to trace each; and the state changes `bun run monitor` records: services healthy, degraded, unhealthy " +
        "or unreachable, the exchange link connecting, reconnecting, connected or disconnected (with its reconnect count and last " +
        "error). Narrowed by event type and service. Red: rejected, unhealthy, unreachable or disconnected; orange: cancelled or " +
        "degraded; yellow: (re)connecting; green: filled, activated, healthy, connected or a training completed; blue: created or a " +
        "training started.",
    )
    .withTarget(postgresQuery("event-history"))
    .noValue("no events yet");
  return columns(panel, {
    time: col.time("Time"),
    event_type: col.status("Event", eventTypeColors(EVENT_TYPES), COLORS.neutral),
    service: col.text("Service"),
    asset: col.text("Asset"),
    detail: col.text("Detail"),
    signal_id: col.signalId("Signal"),
    order_id: col.text("Order"),
    model_version: col.text("Model version"),
    subscription_id: col.text("Subscription"),
  });
}

/** The Health row's status panels share what the overall health leaves of the 24 columns. */
const HEALTH_ROW_WIDTH = 24;
const OVERALL_WIDTH = 6;

export function mainDashboard(rendering: Rendering = DEFAULT_RENDERING): DashboardDefinition {
  const sources = healthSources(rendering.services);
  const statusWidth = Math.max(1, Math.floor((HEALTH_ROW_WIDTH - OVERALL_WIDTH) / sources.length));
  const board = toolkitDashboard(MAIN_DASHBOARD, "Health, exchange link, signals, orders, model, queues and events of the ytrader trading system.", { refresh: "1m" })
    .timepicker(
      new TimePickerBuilder()
        .refreshIntervals(["30s", "1m", "5m", "15m"])
        .quickRanges([
          new TimeOptionBuilder().display("Last 1 hour").from("now-1h").to("now"),
          new TimeOptionBuilder().display("Last 24 hours").from("now-24h").to("now"),
          new TimeOptionBuilder().display("Last 7 days").from("now-7d").to("now"),
        ]),
    )
    .withVariable(strategyVariable())
    .withVariable(assetVariable())
    .withVariable(rejectedVariable())
    .withVariable(eventTypeVariable())
    .withVariable(serviceVariable(rendering.services))
    .link(dashboardLink(SIGNAL_TRACE_DASHBOARD))
    .annotation(firingAlertsAnnotation());

  new Layout(board)
    .panels(5, [firingAlerts(), 24])
    .row("Health")
    .panels(5, [overallHealth(sources), OVERALL_WIDTH], ...sources.map((source): [StatPanel, number] => [serviceStatus(source), statusWidth]))
    .panels(7, [serviceComponents(sources), 16], [rejectedOrders(), 8])
    .row("Exchange WebSocket")
    .panels(6, [websocketStatus(), 4], [websocketDetails(), 12], [activeSubscriptions(), 8])
    .row("Trading signals")
    .panels(10, [tradingSignals(), 16], [signalRejections(), 8])
    .row("Orders")
    .panels(10, [recentOrders(), 24])
    .panels(7, [ordersPerHour(), 12], [positions(), 12])
    .row("Model")
    .panels(7, [modelState(), 12], [trainingStatus(), 12])
    .panels(7, [modelQuality(), 12], [qualityTrend(), 12])
    .row("RabbitMQ queues")
    .panels(12, [queueLag(), 24])
    .then((layout) => historyRows(layout, rendering.services))
    .row("Event history")
    .panels(14, [eventHistory(), 24]);

  return dashboardDefinition(board);
}
