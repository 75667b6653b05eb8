// The main dashboard, uid trading-system-monitoring (the real system's existing uid): health on top, then
// the exchange link, signals, orders, model, RabbitMQ queues and the event history. One function a panel,
// named after what the operator sees; each description says what the panel shows and what red means.
import { DashboardLinkBuilder, TimeOptionBuilder, TimePickerBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { GraphDrawStyle, StackingConfigBuilder, StackingMode } from "@grafana/grafana-foundation-sdk/common";
import type { DashboardDefinition } from "../types.ts";
import { HEALTH_SOURCES } from "../health.ts";
import { type RowColumns, columnOrder, infinityQuery, mapRows } from "../queries/infinity.ts";
import { postgresQuery } from "../queries/postgres.ts";
import {
  BOOLEAN_BAD_WHEN_TRUE,
  BOOLEAN_GOOD_WHEN_TRUE,
  BOOLEAN_WARN_WHEN_TRUE,
  COLORS,
  ORDER_STATUS_MAPPINGS,
  WEBSOCKET_STATUS_MAPPINGS,
  colorCells,
  colorOf,
  mappingsOf,
  noValueOf,
  rangeMapping,
  textMappings,
  unitOf,
} from "../look.ts";
import { overallHealth, serviceComponents, serviceStatus, statusStat } from "./health-panels.ts";
import { Layout } from "./layout.ts";
import { MAIN_DASHBOARD, SIGNAL_TRACE_DASHBOARD, dashboardDefinition, dashboardUrl, toolkitDashboard, traceLink } from "./identity.ts";
import { assetVariable, eventTypeVariable, serviceVariable, strategyVariable } from "./variables.ts";

/** Queues that have no consumer in the real system by design: marked as such, never flagged as lagging. */
const QUEUES_WITHOUT_CONSUMER_BY_DESIGN = [
  "ws-gateway.balance",
  "ws-gateway.liquidation",
  "position-manager.portfolio_updated",
  "position-manager.position_snapshot_created",
];

// The spec's lag rule: more than 1000 messages, or published to while consumed at under 10% of that rate.
const LAG_MESSAGES = 1000;
const LAG_CONSUME_SHARE = 0.1;

// --- Health (US5): the rest of the row is in health-panels.ts -----------------------------------------

function rejectedOrders() {
  return new TablePanel()
    .title("Rejected orders in the range")
    .description("Orders that order-manager rejected in the time range, by reason, most frequent first. Any row here is an error worth reading.")
    .withTarget(postgresQuery("rejected-orders"))
    .overrideByName("orders", [colorCells, mappingsOf([rangeMapping(1, null, "", COLORS.bad, 0)])])
    .noValue("no rejected orders in this range");
}

// --- Exchange WebSocket (US6) -------------------------------------------------------------------------

/** The exchange link as ws-gateway reports it, in the order the details table shows it: the newer
 *  gateway's websocket_state object when present; the flat fields otherwise, and "not exposed by
 *  ws-gateway" for what only the object carries. */
const WEBSOCKET_COLUMNS: RowColumns = {
  status: ["string", "$rich ? $w.status : $h.websocket_status"],
  connected: ["boolean", "$h.websocket_connected"],
  environment: ["string", '$rich ? $w.environment : "not exposed by ws-gateway"'],
  connected_at: ["timestamp", "$rich ? $w.connected_at : null"],
  connected_seconds: ["number", "$rich and $w.connected_at ? $round(($millis() - $toMillis($w.connected_at)) / 1000) : null"],
  last_heartbeat: ["timestamp", "$rich ? $w.last_heartbeat : null"],
  reconnection_count: ["number", "$rich ? $w.reconnection_count : null"],
  last_error: ["string", '$rich ? ($w.last_error ? $w.last_error : "none") : "not exposed by ws-gateway"'],
  active_subscriptions: ["number", "$h.active_subscriptions"],
  source: ["string", '$rich ? "websocket_state" : "flat fields (older ws-gateway)"'],
};

const websocketQuery = () =>
  infinityQuery("ws-gateway", "/health")
    .rootSelector(mapRows("[$]", "$h", WEBSOCKET_COLUMNS, "$w := $h.websocket_state; $rich := $exists($w.status);"))
    .columns(WEBSOCKET_COLUMNS);

function websocketStatus() {
  return statusStat("Bybit WebSocket", "status")
    .description(
      "The private (authenticated) Bybit WebSocket link as ws-gateway reports it. Green connected, yellow connecting or " +
        "reconnecting, red disconnected; unknown when ws-gateway cannot be reached.",
    )
    .mappings(WEBSOCKET_STATUS_MAPPINGS)
    .withTarget(websocketQuery());
}

function websocketDetails() {
  const notExposed = noValueOf("not exposed by ws-gateway");
  return new TablePanel()
    .title("WebSocket link details")
    .description(
      "Environment, connection time and duration, last heartbeat, reconnection count, last error and active subscriptions. " +
        "Today's ws-gateway exposes only the status and the subscription count: the rest reads \"not exposed by ws-gateway\" " +
        "until a newer gateway adds its websocket_state object. Red: disconnected, or reconnections.",
    )
    .withTarget(websocketQuery())
    .withTransformation({ id: "organize", options: { indexByName: columnOrder([WEBSOCKET_COLUMNS]) } })
    .overrideByName("status", [colorCells, mappingsOf(WEBSOCKET_STATUS_MAPPINGS)])
    .overrideByName("connected", [colorCells, mappingsOf(BOOLEAN_GOOD_WHEN_TRUE)])
    .overrideByName("connected_at", [notExposed])
    .overrideByName("last_heartbeat", [notExposed])
    .overrideByName("connected_seconds", [notExposed, unitOf("s")])
    .overrideByName("reconnection_count", [notExposed, colorCells, mappingsOf([rangeMapping(1, null, "", COLORS.warn, 0)])]);
}

function activeSubscriptions() {
  return new TablePanel()
    .title("Active subscriptions")
    .description("Active exchange subscriptions by channel and requesting service, from the database, with the last market event seen. Narrowed by the service variable.")
    .withTarget(postgresQuery("subscriptions-active"))
    .noValue("no active subscriptions");
}

// --- Trading signals (US1) and orders (US2) -------------------------------------------------------------

function tradingSignals() {
  return new TablePanel()
    .title("Trading signals: last 100")
    .description(
      "The last 100 signals of the range, newest first, narrowed by strategy and asset. Warm-up signals (no model yet) are " +
        "marked yellow. Click a signal id to trace it through orders and fills.",
    )
    .withTarget(postgresQuery("signals"))
    .overrideByName("signal_id", [
      { id: "links", value: [traceLink] },
    ])
    .overrideByName("side", [colorCells, mappingsOf(textMappings({ buy: { color: COLORS.ok }, sell: { color: COLORS.bad } }))])
    .overrideByName("warm_up", [colorCells, mappingsOf(BOOLEAN_WARN_WHEN_TRUE)])
    .noValue("no signals in this range");
}

function recentOrders() {
  return new TablePanel()
    .title("Orders: last 100")
    .description(
      "The last 100 orders of the range, newest first, and how each closed: filled green, partially filled yellow, pending blue, " +
        "cancelled orange, rejected red (with its reason), dry run purple. Execution price, fees and executed-at come from the " +
        "order; realized PnL only where execution_events holds a numeric value.",
    )
    .withTarget(postgresQuery("orders"))
    .overrideByName("status", [colorCells, mappingsOf(ORDER_STATUS_MAPPINGS)])
    .overrideByName("signal_id", [
      { id: "links", value: [traceLink] },
    ])
    .noValue("no orders in this range");
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
    .overrideByName("filled", [colorOf(COLORS.ok)])
    .overrideByName("rejected", [colorOf(COLORS.bad)])
    .overrideByName("other", [colorOf("gray")])
    .noValue("no orders in this range");
}

function positions() {
  return new TablePanel()
    .title("Positions and PnL")
    .description("Positions as position-manager holds them now: size, prices, unrealized and realized PnL (realized is cumulative over the row's life). Red: a loss.")
    .withTarget(postgresQuery("positions"))
    .overrideByName("unrealized_pnl", [colorCells, mappingsOf([rangeMapping(null, -0.00000001, "", COLORS.bad, 0)])])
    .overrideByName("realized_pnl", [colorCells, mappingsOf([rangeMapping(null, -0.00000001, "", COLORS.bad, 0)])])
    .noValue("no positions");
}

// --- Model (US3) ---------------------------------------------------------------------------------------

function modelState() {
  return new TablePanel()
    .title("Model state per strategy")
    .description(
      "Per strategy: the active model version, its type, when it was trained and how old it is, and whether the strategy is in " +
        "warm-up (no active model, or warm-up signals in the range: yellow). Training now is in the panel beside.",
    )
    .withTarget(postgresQuery("model-state"))
    .overrideByName("warm_up", [colorCells, mappingsOf(BOOLEAN_WARN_WHEN_TRUE)])
    .overrideByName("active_version", [colorCells, mappingsOf(textMappings({ none: { color: COLORS.warn } }))])
    .noValue("no strategies yet");
}

/** model-service's training status, in the order the table shows it. */
const TRAINING_COLUMNS: RowColumns = {
  training_now: ["boolean", "$t.is_training"],
  current_strategy: ["string", "$t.current_training.strategy_id"],
  current_started_at: ["timestamp", "$t.current_training.started_at"],
  last_strategy: ["string", "$t.last_training.strategy_id"],
  last_model_version: ["string", "$t.last_training.model_version"],
  last_completed_at: ["timestamp", "$t.last_training.completed_at"],
  next_scheduled_at: ["timestamp", "$t.next_scheduled_training"],
  queue_size: ["number", "$t.queue_size"],
};

function trainingStatus() {
  return new TablePanel()
    .title("Training now")
    .description(
      "model-service's training status (its API, with its API key): whether a model is training now, the current and last run, " +
        "the next scheduled training and the queue. Unknown when model-service cannot be reached or refuses the key.",
    )
    .withTarget(infinityQuery("model-service", "/api/v1/training/status").rootSelector(mapRows("[$]", "$t", TRAINING_COLUMNS)).columns(TRAINING_COLUMNS))
    .withTransformation({ id: "organize", options: { indexByName: columnOrder([TRAINING_COLUMNS]) } })
    .overrideByName("training_now", [colorCells, mappingsOf(BOOLEAN_WARN_WHEN_TRUE)])
    .noValue("unknown");
}

function modelQuality() {
  return new TablePanel()
    .title("Model quality per strategy")
    .description(
      "Per strategy: the active model's latest win rate, accuracy and total PnL as model-service evaluated them, and its orders " +
        "of the last hour of the range: how many, filled, fill rate (the whole range's orders are in Orders per hour). Realized " +
        "PnL (whole range) counts only numeric execution_events values. Red: win rate or fill rate under 50%.",
    )
    .withTarget(postgresQuery("model-quality"))
    .overrideByName("win_rate", [unitOf("percentunit"), colorCells, mappingsOf([rangeMapping(null, 0.4999, "", COLORS.bad, 0)])])
    .overrideByName("fill_rate_last_hour", [unitOf("percentunit"), colorCells, mappingsOf([rangeMapping(null, 0.4999, "", COLORS.bad, 0)])])
    .overrideByName("accuracy", [unitOf("percentunit")])
    .noValue("no strategies yet");
}

function qualityTrend() {
  return new TimeseriesPanel()
    .title("Model quality per training")
    .description("Win rate, accuracy, F1 and Sharpe ratio of each evaluation in the range, one line per strategy and metric: a falling line is a model losing quality.")
    .withTarget(postgresQuery("quality-trend").timeSeries())
    .noValue("no evaluations in this range");
}

// --- RabbitMQ (US4) ------------------------------------------------------------------------------------

/** Every queue, in the order the table shows it. */
const QUEUE_COLUMNS: RowColumns = {
  vhost: ["string", "$q.vhost"],
  queue: ["string", "$q.name"],
  lagging: ["boolean", `$byDesign = false and ($q.messages > ${LAG_MESSAGES} or ($publishing and $consumed < $pub * ${LAG_CONSUME_SHARE}))`],
  messages: ["number", "$q.messages"],
  ready: ["number", "$q.messages_ready"],
  unacked: ["number", "$q.messages_unacknowledged"],
  consumers: ["number", "$q.consumers"],
  consumer: ["string", '$q.consumers > 0 ? "consumed" : ($byDesign ? "no consumer (by design)" : "NO CONSUMER")'],
  publish_rate: ["number", "$pub"],
  deliver_rate: ["number", "$del"],
};

function queueLag() {
  return new TablePanel()
    .title("RabbitMQ queues")
    .description(
      `Every queue of every vhost, amq.* included: messages, ready, unacknowledged, consumers and rates. Lagging (red) by the ` +
        `spec's rule: more than ${LAG_MESSAGES} messages, or published to while consumed at under ${LAG_CONSUME_SHARE * 100}% of ` +
        `that rate. Queues with no consumer by design (${QUEUES_WITHOUT_CONSUMER_BY_DESIGN.join(", ")}) are marked as such and ` +
        `never flagged; any other queue without a consumer is red.`,
    )
    .withTarget(
      infinityQuery("rabbitmq", "/api/queues")
        .rootSelector(
          mapRows(
            "$",
            "$q",
            QUEUE_COLUMNS,
            "$pub := $q.message_stats.publish_details.rate; $del := $q.message_stats.deliver_get_details.rate; " +
              "$publishing := $exists($pub) and $pub > 0; $consumed := $exists($del) ? $del : 0; " +
              `$byDesign := $q.name in ${JSON.stringify(QUEUES_WITHOUT_CONSUMER_BY_DESIGN)};`,
          ),
        )
        .columns(QUEUE_COLUMNS),
    )
    .withTransformation({ id: "organize", options: { indexByName: columnOrder([QUEUE_COLUMNS]) } })
    .overrideByName("lagging", [colorCells, mappingsOf(BOOLEAN_BAD_WHEN_TRUE)])
    .overrideByName("consumer", [
      colorCells,
      mappingsOf(textMappings({ consumed: { color: COLORS.ok }, "no consumer (by design)": { color: COLORS.neutral }, "NO CONSUMER": { color: COLORS.bad } })),
    ])
    .overrideByName("publish_rate", [unitOf("reqps")])
    .overrideByName("deliver_rate", [unitOf("reqps")])
    .noValue("no queues");
}

// --- Event history (US7) -------------------------------------------------------------------------------

function eventHistory() {
  return new TablePanel()
    .title("Event history: last 200")
    .description(
      "The last 200 key events of the range, newest first: signals received, orders created, filled, cancelled and rejected, models " +
        "trained and activated, subscriptions created and cancelled, with the ids to trace each; and the state changes `bun run monitor` " +
        "records: services healthy, degraded, unhealthy or unreachable, the exchange link connecting, reconnecting, connected or disconnected " +
        "(with its reconnect count and last error), training started and completed. Narrowed by event type and service. Red: rejected orders.",
    )
    .withTarget(postgresQuery("event-history"))
    .overrideByName(
      "event_type",
      [colorCells, mappingsOf(textMappings({ order_rejected: { color: COLORS.bad }, order_cancelled: { color: COLORS.unknown }, order_filled: { color: COLORS.ok } }))],
    )
    .overrideByName("signal_id", [
      { id: "links", value: [traceLink] },
    ])
    .noValue("no events in this range");
}

export function mainDashboard(): DashboardDefinition {
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
    .withVariable(eventTypeVariable())
    .withVariable(serviceVariable())
    .link(new DashboardLinkBuilder(SIGNAL_TRACE_DASHBOARD.title).url(dashboardUrl(SIGNAL_TRACE_DASHBOARD)).keepTime(true));

  new Layout(board)
    .row("Health")
    .panels(5, [overallHealth(), 6], ...HEALTH_SOURCES.map((source): [StatPanel, number] => [serviceStatus(source), 3]))
    .panels(7, [serviceComponents(), 16], [rejectedOrders(), 8])
    .row("Exchange WebSocket")
    .panels(6, [websocketStatus(), 4], [websocketDetails(), 12], [activeSubscriptions(), 8])
    .row("Trading signals")
    .panels(10, [tradingSignals(), 24])
    .row("Orders")
    .panels(10, [recentOrders(), 24])
    .panels(7, [ordersPerHour(), 12], [positions(), 12])
    .row("Model")
    .panels(7, [modelState(), 12], [trainingStatus(), 12])
    .panels(7, [modelQuality(), 12], [qualityTrend(), 12])
    .row("RabbitMQ queues")
    .panels(12, [queueLag(), 24])
    .row("Event history")
    .panels(14, [eventHistory(), 24]);

  return dashboardDefinition(board);
}
