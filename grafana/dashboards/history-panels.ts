// The history rows of the main dashboard, from Prometheus: each service's state, the exchange link's
// state, reconnects and heartbeat age, the queues, errors and training runs over the dashboard's time
// range. What the services and RabbitMQ report only as their present state, the monitor and RabbitMQ's
// exporter turn into series (docs/monitor.md); every state timeline says "monitor down" while the monitor
// is not reading, never a state from before it stopped.
import { PanelBuilder as StateTimelinePanel } from "@grafana/grafana-foundation-sdk/statetimeline";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { GraphDrawStyle, GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode, VisibilityMode } from "@grafana/grafana-foundation-sdk/common";
import { MappingType } from "@grafana/grafana-foundation-sdk/dashboard";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { LINK_STATES, MONITOR_METRICS, QUEUE_DELIVERIES, QUEUE_DEPTH, QUEUE_PUBLISHED, SERVICE_STATES } from "../../prometheus/metrics.ts";
import { COLORS, colorOf, mappingsOf, thresholds, unitOf } from "../look.ts";
import { MONITOR_DOWN_VALUE, MONITOR_SELECTOR, PROMETHEUS_DATASOURCE, narrowed, prometheusQuery, selectorOrDown, unlessMonitorDown } from "../queries/prometheus.ts";
import type { Layout } from "./layout.ts";
import { LAG_MESSAGES } from "./queue-panels.ts";

/** What every state timeline says while the monitor is not reading. */
export const MONITOR_DOWN_TEXT = "monitor down";

/** Each numeric state its word and colour, and "monitor down" (red: nobody knows the state then). */
function stateMappings(states: readonly string[], colors: Record<string, string>): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = { [String(MONITOR_DOWN_VALUE)]: { text: MONITOR_DOWN_TEXT, color: COLORS.bad, index: 0 } };
  states.forEach((state, i) => {
    options[String(i)] = { text: state, color: colors[state] ?? COLORS.warn, index: i + 1 };
  });
  return [{ type: MappingType.ValueToText, options }];
}

const SERVICE_COLORS = { unreachable: COLORS.bad, unhealthy: COLORS.bad, degraded: COLORS.degraded, healthy: COLORS.ok };
const LINK_COLORS = { disconnected: COLORS.bad, connecting: COLORS.warn, reconnecting: COLORS.warn, connected: COLORS.ok };

/** A state timeline: spans merged while the state holds, the word on each span, any value without a word
 *  yellow. */
const timeline = (title: string, description: string) =>
  new StateTimelinePanel()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS_DATASOURCE)
    .mergeValues(true)
    .showValue(VisibilityMode.Auto)
    .rowHeight(0.8)
    .thresholds({ build: () => thresholds(COLORS.warn) });

const monitor = (metric: string) => `${metric}{${MONITOR_SELECTOR}}`;

// --- Health over time --------------------------------------------------------------------------------

/** Each service's state, narrowed by the service variable; `over` wraps the selector (unlessMonitorDown's
 *  `before`: the same series over the hour before). */
const serviceState = (over = (selector: string) => selector) =>
  narrowed((m) => over(`${MONITOR_METRICS.serviceStatus}{${m}}`), MONITOR_SELECTOR, "service", "service");

/** The worst state of the services the monitor reads, the exchange link counting degraded while it is
 *  not connected (as the Health row's overall does). */
const OVERALL =
  `label_replace(min(${monitor(MONITOR_METRICS.serviceStatus)} or ` +
  `label_replace((${monitor(MONITOR_METRICS.linkState)} == bool ${LINK_STATES.indexOf("connected")}) + ${SERVICE_STATES.indexOf("degraded")}, "service", "exchange-link", "", "")), ` +
  `"service", "overall", "", "")`;

export function serviceStates() {
  return timeline(
    "Service health over time",
    "Each service's state as `bun run monitor` read it from its /health every interval, and the overall state: the worst service, " +
      "degraded while the exchange link is not connected. Green healthy, orange degraded, red unhealthy or unreachable (no answer), " +
      `red "${MONITOR_DOWN_TEXT}" while the monitor is not reading (Prometheus cannot scrape it, or its readings are late): the ` +
      "state is unknown then. Narrowed by the service variable.",
  )
    .withTarget(prometheusQuery(unlessMonitorDown(OVERALL, 'label_replace(vector(0), "service", "overall", "", "")'), "overall", "A"))
    .withTarget(prometheusQuery(unlessMonitorDown(serviceState(), serviceState((selector) => `last_over_time(${selector}[1h])`)), "{{service}}", "B"))
    .mappings(stateMappings(SERVICE_STATES, SERVICE_COLORS))
    .noValue("no readings of the monitor in this range");
}

// --- The exchange link over time ---------------------------------------------------------------------

export function linkStates() {
  const link = monitor(MONITOR_METRICS.linkState);
  return timeline(
    "Exchange link over time",
    "The Bybit WebSocket link's state as ws-gateway reported it at each reading (green connected, yellow connecting or " +
      `reconnecting, red disconnected, red "${MONITOR_DOWN_TEXT}"), and below it the reconnects the monitor has counted since it ` +
      "started (ws-gateway's own count where it exposes one, else each return to connected). Blank while ws-gateway does not answer.",
  )
    .withTarget(prometheusQuery(selectorOrDown(link), "state", "A"))
    .withTarget(prometheusQuery(monitor(MONITOR_METRICS.reconnects), "reconnects", "B"))
    // The words on the state row only: the reconnects row shows its count (an empty mappings override
    // would fall back to the panel's defaults).
    .overrideByName("state", [mappingsOf(stateMappings(LINK_STATES, LINK_COLORS))])
    .overrideByName("reconnects", [colorOf(COLORS.info)]);
}

export function linkHeartbeat() {
  return new TimeseriesPanel()
    .datasource(PROMETHEUS_DATASOURCE)
    .title("Exchange link: reconnects and heartbeat age")
    .description(
      "Reconnects of the exchange link in each interval (bars), and seconds since its last heartbeat (line; only a ws-gateway that " +
        "exposes websocket_state reports heartbeats). A heartbeat age climbing past the ping interval (20 s) means the link has gone quiet.",
    )
    .withTarget(prometheusQuery(`increase(${monitor(MONITOR_METRICS.reconnects)}[$__rate_interval])`, "reconnects", "A"))
    .withTarget(prometheusQuery(monitor(MONITOR_METRICS.heartbeatAge), "heartbeat age", "B"))
    .overrideByName("reconnects", [colorOf(COLORS.warn), unitOf("none"), { id: "custom.drawStyle", value: GraphDrawStyle.Bars }, { id: "custom.fillOpacity", value: 80 }])
    .overrideByName("heartbeat age", [colorOf(COLORS.info), unitOf("s"), { id: "custom.axisPlacement", value: "right" }])
    .noValue("no link readings in this range");
}

// --- Queues over time --------------------------------------------------------------------------------

/** A per-queue figure from whichever serves it (the broker's exporter, or the monitor under the same
 *  names): at most one series per queue even while both do. */
const perQueue = (metric: string) => `max by (vhost, queue) (${metric})`;
/** A rate per queue and source: each series' rate first (a channel's counters start again at 0 with a new
 *  channel), summed per queue and job. */
const jobRate = (metric: string, vhost: string) => `sum by (job, ${vhost}, queue) (rate(${metric}[$__rate_interval]))`;
/** The larger source kept, so that a queue both serve counts once. */
const perQueueRate = (rate: string, vhost: string) => `max by (${vhost}, queue) (${rate})`;

export function queueDepth() {
  return new TimeseriesPanel()
    .datasource(PROMETHEUS_DATASOURCE)
    .title("Queue depth over time")
    .description(
      `Messages in each queue (ready and unacknowledged) over the range: a rising line is a queue backing up, from the moment it ` +
        `began. The red line is the lag rule's ${LAG_MESSAGES} messages (a queue above it is lagging in RabbitMQ queues). From ` +
        "RabbitMQ's own exporter, or from the monitor when the exporter cannot be reached.",
    )
    .withTarget(prometheusQuery(perQueue(QUEUE_DEPTH), "{{queue}}"))
    .unit("none")
    .decimals(0)
    .thresholds({ build: () => thresholds("transparent", [LAG_MESSAGES, COLORS.bad]) })
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Line))
    .noValue("no queue figures in this range");
}

export function queueReadyUnacked() {
  return new TimeseriesPanel()
    .datasource(PROMETHEUS_DATASOURCE)
    .title("Ready and unacknowledged over time")
    .description(
      "Per queue: messages ready for a consumer (solid) and delivered but not yet acknowledged (dashed). Ready climbing while " +
        "unacknowledged stays flat: the consumers do not keep up, or there are none.",
    )
    .withTarget(prometheusQuery(perQueue("rabbitmq_queue_messages_ready"), "{{queue}} ready", "A"))
    .withTarget(prometheusQuery(perQueue("rabbitmq_queue_messages_unacked"), "{{queue}} unacked", "B"))
    .unit("none")
    .decimals(0)
    .overrideByRegexp(" unacked$", [{ id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } }])
    .noValue("no queue figures in this range");
}

export function queueRates() {
  // Deliveries in both acknowledgement modes; the rates of two metrics are added per queue (a selector of
  // both would give rate() two series of one label set once it drops their names).
  const [ack, noAck] = QUEUE_DELIVERIES.map((name) => jobRate(name, "vhost"));
  const delivered = `(${ack} + ${noAck}) or ${ack} or ${noAck}`;
  return new TimeseriesPanel()
    .datasource(PROMETHEUS_DATASOURCE)
    .title("Publish and deliver rates over time")
    .description(
      "Per queue, messages per second published into it (solid) and delivered from it to consumers (dashed, both " +
        "acknowledgement modes). The lag rule flags a queue with messages waiting whose deliver rate is under 10% of its " +
        "publish rate: a dashed line far below its solid one.",
    )
    .withTarget(prometheusQuery(perQueueRate(jobRate(QUEUE_PUBLISHED, "queue_vhost"), "queue_vhost"), "{{queue}} published", "A"))
    .withTarget(prometheusQuery(perQueueRate(delivered, "vhost"), "{{queue}} delivered", "B"))
    .unit("count:msg/s")
    .decimals(2)
    .overrideByRegexp(" delivered$", [{ id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } }])
    .noValue("no queue figures in this range");
}

// --- Errors and training -----------------------------------------------------------------------------

export function serviceErrors(monitored: readonly string[]) {
  // The monitor's sources that are services (it also counts its training, database and events readings).
  const services = `${MONITOR_SELECTOR}, source=~"${monitored.join("|")}"`;
  const errors = narrowed((m) => `increase(${MONITOR_METRICS.sourceErrors}{${m}}[$__rate_interval])`, services, "source", "service");
  return new TimeseriesPanel()
    .datasource(PROMETHEUS_DATASOURCE)
    .title("Errors per service over time")
    .description(
      "Per service, the monitor's readings of its /health that failed in each interval: no answer, an HTTP error, or a body " +
        "that is not its health JSON. Zero is good; a bar is a service the monitor could not read. Narrowed by the service variable.",
    )
    .withTarget(prometheusQuery(`sum by (source) (${errors})`, "{{source}}"))
    .drawStyle(GraphDrawStyle.Bars)
    .fillOpacity(80)
    .unit("none")
    .overrideByRegexp(".*", [colorOf(COLORS.bad)])
    .noValue("no readings of the monitor in this range");
}

export function trainingRuns() {
  const training = monitor(MONITOR_METRICS.trainingInProgress);
  return timeline(
    "Training runs",
    "When model-service trained a model (blue training) and when it did not (idle), from its training status at each reading " +
      `(needs MODEL_SERVICE_API_KEY), and red "${MONITOR_DOWN_TEXT}". A span's length is how long a training ran, to the interval.`,
  )
    .withTarget(prometheusQuery(selectorOrDown(training), "model-service"))
    .mappings(stateMappings(["idle", "training"], { idle: COLORS.neutral, training: COLORS.info }))
    .noValue("no training status in this range");
}

/** The history rows, added to the main dashboard's layout. */
export function historyRows(layout: Layout, services: readonly string[]): Layout {
  return layout
    .row("Health history")
    .panels(8, [serviceStates(), 24])
    .row("Exchange link history")
    .panels(7, [linkStates(), 12], [linkHeartbeat(), 12])
    .row("Queue history")
    .panels(8, [queueDepth(), 8], [queueReadyUnacked(), 8], [queueRates(), 8])
    .row("Errors and training history")
    .panels(7, [serviceErrors(services), 12], [trainingRuns(), 12]);
}
