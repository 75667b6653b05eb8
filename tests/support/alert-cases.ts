// `promtool test rules` cases for every alert of prometheus/alerts.ts, written from what each alert is for:
// the series that should fire it (checked before its `for` has passed, after, and once the fault clears),
// and beside it a series just short of the threshold that must stay quiet. Rendered into promtool's test
// file format by `promtoolTestFile`; tests/alerts.test.ts runs it against the rendered rule file.
//
// Series notation is promtool's: "a+bxN" starts at a and adds b N times, "axN" repeats a; one sample a
// minute (interval 1m), rules evaluated every minute.
import { alertDefinitions } from "../../prometheus/alerts.ts";
import { DEFAULT_ALERT_THRESHOLDS } from "../../scripts/lib/config-alerts.ts";

export interface FiringAlert {
  labels: Record<string, string>;
  /** How the alert's templates print {{ $value }} (with whatever function they pipe it to) here. */
  value: string;
}

export interface AlertCase {
  alert: string;
  /** What the case shows, for the test's name. */
  what: string;
  series: Record<string, string>;
  /** Evaluation time (minutes) -> the alerts firing then (an empty list: none). */
  expect: Record<number, FiringAlert[]>;
}

const MONITOR = { job: "ytrader-monitor", instance: "monitor:9470" };
const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(", ")}}`;
const m = (name: string, labels: Record<string, string>) => `${name}${labelText(labels)}`;
const healthy = (service: string) => m("ytrader_service_status", { ...MONITOR, service });
const queue = (name: string, q: string) => m(name, { job: "rabbitmq", instance: "rabbitmq:15692", vhost: "/", queue: q });
const published = (q: string) => m("rabbitmq_queue_messages_published_total", { job: "rabbitmq", channel: "<0.9.0>", queue_vhost: "/", queue: q, exchange_vhost: "/", exchange: "" });
const delivered = (q: string, mode: "ack" | "auto" = "ack") =>
  m(mode === "ack" ? "rabbitmq_channel_messages_delivered_ack_total" : "rabbitmq_channel_messages_delivered_total", { job: "rabbitmq", channel: "<0.8.0>", vhost: "/", queue: q });

export const ALERT_CASES: AlertCase[] = [
  {
    alert: "YtraderServiceUnreachable",
    what: "order-manager unreachable from 2m fires at 3m (for 1m), resolves when it answers; an unhealthy one is not unreachable",
    series: { [healthy("order-manager")]: "3 3 0 0 0 0 3 3 3", [healthy("model-service")]: "1x8" },
    expect: { 2: [], 3: [{ labels: { ...MONITOR, service: "order-manager" }, value: "0" }], 7: [] },
  },
  {
    alert: "YtraderServiceUnhealthy",
    what: "position-manager degraded from 1m fires at 4m (for 3m), resolves; a healthy and an unreachable service stay quiet",
    series: { [healthy("position-manager")]: "3 2 2 2 2 2 3 3", [healthy("ws-gateway")]: "3x8", [healthy("order-manager")]: "0x8" },
    expect: { 3: [], 4: [{ labels: { ...MONITOR, service: "position-manager" }, value: "2" }], 7: [] },
  },
  {
    alert: "YtraderExchangeLinkDown",
    what: "the link reconnecting from 1m fires at 3m (for 2m), resolves when connected; a connected link stays quiet",
    series: {
      [m("ytrader_exchange_link_state", { ...MONITOR, service: "ws-gateway" })]: "3 2 2 2 2 3 3",
      [m("ytrader_exchange_link_state", { ...MONITOR, instance: "other:9470", service: "ws-gateway" })]: "3x6",
    },
    expect: { 2: [], 3: [{ labels: { ...MONITOR, service: "ws-gateway" }, value: "2" }], 6: [] },
  },
  {
    alert: "YtraderExchangeLinkFlapping",
    what: "a fourth reconnect within 10 minutes fires at once; exactly three stay quiet; it resolves as they leave the window",
    series: {
      [m("ytrader_exchange_link_reconnects_total", { ...MONITOR, service: "ws-gateway" })]: "0+1x4 4x12",
      [m("ytrader_exchange_link_reconnects_total", { ...MONITOR, instance: "other:9470", service: "ws-gateway" })]: "0+1x3 3x13",
    },
    expect: { 3: [], 4: [{ labels: { ...MONITOR, service: "ws-gateway" }, value: "4" }], 12: [] },
  },
  {
    alert: "YtraderExchangeHeartbeatStale",
    what: "a heartbeat over 60 s old from 2m fires at 3m (for 1m), resolves; one exactly 60 s old stays quiet",
    series: {
      [m("ytrader_exchange_link_heartbeat_age_seconds", { ...MONITOR, service: "ws-gateway" })]: "10 30 61 90 120 10 10",
      [m("ytrader_exchange_link_heartbeat_age_seconds", { ...MONITOR, instance: "other:9470", service: "ws-gateway" })]: "60x6",
    },
    expect: { 2: [], 3: [{ labels: { ...MONITOR, service: "ws-gateway" }, value: "1m 30s" }], 6: [] },
  },
  {
    alert: "YtraderQueueBackedUp",
    what: "over 1000 messages from 1m fires at 6m (for 5m) with its consumer; 1000 exactly, and a full queue without consumer by design, stay quiet",
    series: {
      [queue("rabbitmq_queue_messages", "model-service.trading_signals")]: "10 1001x7 10x4",
      [queue("rabbitmq_queue_messages", "order-manager.order_events")]: "1000x12",
      [queue("rabbitmq_queue_messages", "ws-gateway.balance")]: "90000x12",
    },
    expect: {
      5: [],
      6: [{ labels: { vhost: "/", queue: "model-service.trading_signals", service: "order-manager" }, value: "1.001k" }],
      10: [],
    },
  },
  {
    alert: "YtraderQueueBackedUp",
    what: "consumed at 5% of its publish rate with messages waiting fires; consumed at 12% (manual and automatic acknowledgements together) stays quiet",
    series: {
      [queue("rabbitmq_queue_messages", "features.live")]: "50x20",
      [published("features.live")]: "0+60x20",
      [delivered("features.live")]: "0+3x20",
      [queue("rabbitmq_queue_messages", "features.dataset.ready")]: "50x20",
      [published("features.dataset.ready")]: "0+60x20",
      [delivered("features.dataset.ready")]: "0+3x20",
      // The same channel's automatic-acknowledgement count, as RabbitMQ exports both: 3 + 4 a minute is 12%.
      [delivered("features.dataset.ready", "auto")]: "0+4x20",
      [delivered("features.live", "auto")]: "0x20",
    },
    expect: { 4: [], 12: [{ labels: { vhost: "/", queue: "features.live", service: "model-service" }, value: "50" }] },
  },
  {
    alert: "YtraderQueueNoConsumer",
    what: "messages waiting with no consumer from 1m fire at 6m (for 5m), resolve when a consumer returns; an empty queue and one without consumer by design stay quiet",
    series: {
      [queue("rabbitmq_queue_messages", "model-service.trading_signals")]: "5x12",
      [queue("rabbitmq_queue_consumers", "model-service.trading_signals")]: "1 0x7 1x4",
      [queue("rabbitmq_queue_messages", "order-manager.order_events")]: "0x12",
      [queue("rabbitmq_queue_consumers", "order-manager.order_events")]: "0x12",
      [queue("rabbitmq_queue_messages", "position-manager.portfolio_updated")]: "3000x12",
      [queue("rabbitmq_queue_consumers", "position-manager.portfolio_updated")]: "0x12",
    },
    expect: { 5: [], 6: [{ labels: { vhost: "/", queue: "model-service.trading_signals", service: "order-manager" }, value: "5" }], 10: [] },
  },
  {
    alert: "YtraderNoTradingSignals",
    what: "no signal for over 30 minutes while the services answer fires (for 1m), resolves with a new signal",
    series: {
      [m("ytrader_table_last_row_timestamp_seconds", { ...MONITOR, table: "trading_signals" })]: "0x32 1980x4",
      [healthy("model-service")]: "3x36",
      [healthy("position-manager")]: "2x36",
    },
    expect: { 30: [], 31: [], 32: [{ labels: { ...MONITOR, table: "trading_signals" }, value: "32m 0s" }], 34: [] },
  },
  {
    alert: "YtraderNoTradingSignals",
    what: "no signal for 40 minutes while a service is unreachable stays quiet: that service's own alert says why",
    series: {
      [m("ytrader_table_last_row_timestamp_seconds", { ...MONITOR, table: "trading_signals" })]: "0x40",
      [healthy("model-service")]: "0x40",
      [healthy("order-manager")]: "3x40",
    },
    expect: { 40: [] },
  },
  {
    alert: "YtraderOrderRejectionRatioHigh",
    what: "30% rejected from 1m fires at 6m (for 5m), resolves; 20% exactly, and 4 of 4 (under 5 orders), stay quiet",
    series: {
      [m("ytrader_orders_recent", { ...MONITOR, window: "15min" })]: "10x11",
      [m("ytrader_orders_rejected_recent", { ...MONITOR, window: "15min" })]: "0 3x7 0x3",
      [m("ytrader_orders_recent", { ...MONITOR, instance: "b", window: "15min" })]: "10x11",
      [m("ytrader_orders_rejected_recent", { ...MONITOR, instance: "b", window: "15min" })]: "2x11",
      [m("ytrader_orders_recent", { ...MONITOR, instance: "c", window: "15min" })]: "4x11",
      [m("ytrader_orders_rejected_recent", { ...MONITOR, instance: "c", window: "15min" })]: "4x11",
    },
    expect: { 5: [], 6: [{ labels: { ...MONITOR, window: "15min" }, value: "30%" }], 10: [] },
  },
  {
    alert: "YtraderTrainingStuck",
    what: "a training in progress from 1m fires after 2 hours (at 121m), resolves when it ends; one of 119 minutes stays quiet",
    series: {
      [m("ytrader_training_in_progress", { ...MONITOR, service: "model-service" })]: "0 1x121 0x3",
      [m("ytrader_training_in_progress", { ...MONITOR, instance: "other:9470", service: "model-service" })]: "0 1x119 0x5",
    },
    expect: { 120: [], 121: [{ labels: { ...MONITOR, service: "model-service" }, value: "1" }], 124: [] },
  },
  {
    alert: "YtraderPostgresUnreachable",
    what: "the database reading failing from 1m fires at 3m (for 2m), resolves; another source failing does not",
    series: {
      [m("ytrader_monitor_source_up", { ...MONITOR, source: "database" })]: "1 0x4 1x3",
      [m("ytrader_monitor_source_up", { ...MONITOR, source: "events" })]: "0x8",
    },
    expect: { 2: [], 3: [{ labels: { ...MONITOR, source: "database", service: "postgresql" }, value: "0" }], 7: [] },
  },
  {
    alert: "YtraderRabbitmqUnreachable",
    what: "RabbitMQ's exporter not scraped from 1m fires at 3m (for 2m), resolves; another job down does not",
    series: { [m("up", { job: "rabbitmq", instance: "rabbitmq:15692" })]: "1 0x4 1x3", [m("up", { job: "prometheus", instance: "localhost:9090" })]: "0x8" },
    expect: { 2: [], 3: [{ labels: { job: "rabbitmq", instance: "rabbitmq:15692", service: "rabbitmq" }, value: "0" }], 7: [] },
  },
  {
    alert: "YtraderMonitorDown",
    what: "the monitor's scrape failing from 1m fires at 3m (for 2m), resolves when it answers",
    series: { [m("up", MONITOR)]: "1 0x4 1x3" },
    expect: { 2: [], 3: [{ labels: { ...MONITOR, service: "monitor" }, value: "0" }], 7: [] },
  },
  {
    alert: "YtraderMonitorDown",
    what: "no monitor scraped at all (its job missing) fires after 2 minutes as well",
    series: { [m("up", { job: "prometheus", instance: "localhost:9090" })]: "1x5" },
    expect: { 1: [], 2: [{ labels: { job: "ytrader-monitor", service: "monitor" }, value: "1" }] },
  },
  {
    alert: "YtraderScrapeTargetDown",
    what: "Alertmanager not scraped from 1m fires at 6m (for 5m), resolves; Prometheus scraped stays quiet",
    series: { [m("up", { job: "alertmanager", instance: "alertmanager:9093" })]: "1 0x6 1x3", [m("up", { job: "prometheus", instance: "localhost:9090" })]: "1x10" },
    expect: { 5: [], 6: [{ labels: { job: "alertmanager", instance: "alertmanager:9093" }, value: "0" }], 9: [] },
  },
];

/** An alert's annotation template with its labels and its value as given: what the notification reads. */
export function expandTemplate(template: string, labels: Record<string, string>, value: string): string {
  return template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? "").replace(/\{\{ \$value( \| \w+)? \}\}/g, value);
}

/** promtool's test file for `cases`, reading the rule file `ruleFile` (relative to the test file). */
export function promtoolTestFile(cases: AlertCase[], ruleFile: string) {
  const definitions = new Map(alertDefinitions(DEFAULT_ALERT_THRESHOLDS).map((d) => [d.name, d]));
  return {
    rule_files: [ruleFile],
    evaluation_interval: "1m",
    tests: cases.map((c) => {
      const definition = definitions.get(c.alert);
      if (!definition) throw new Error(`no alert ${c.alert}`);
      return {
        name: `${c.alert}: ${c.what}`,
        interval: "1m",
        input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: Object.entries(c.expect).map(([minute, alerts]) => ({
          eval_time: `${minute}m`,
          alertname: c.alert,
          exp_alerts: alerts.map((a) => {
            const labels = { ...a.labels, alertname: c.alert, severity: definition.severity, ...definition.labels };
            return {
              exp_labels: { ...a.labels, severity: definition.severity, ...definition.labels } as Record<string, string>,
              exp_annotations: {
                summary: expandTemplate(definition.summary, labels, a.value),
                description: expandTemplate(definition.description, labels, a.value),
                runbook_url: `docs/runbooks/alerts.md#${c.alert.toLowerCase()}`,
              },
            };
          }),
        })),
      };
    }),
  };
}
