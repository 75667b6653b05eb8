// The alert rules, one definition each: name, PromQL, how long it must hold (`for`), severity, what the
// notification says (summary and description, with the values that matter) and its runbook, a section of
// docs/runbooks/alerts.md named after the alert. `bun run provision` renders them into
// prometheus/rules/ytrader.yml with the settings' thresholds (scripts/lib/config-alerts.ts).
//
// The series they read: the monitor's (docs/monitor.md), RabbitMQ's own per-object exporter
// (rabbitmq_queue_messages{vhost,queue}, rabbitmq_queue_consumers, rabbitmq_queue_messages_published_total
// {queue_vhost,queue}, rabbitmq_channel_messages_delivered[_ack]_total{vhost,queue}; the monitor exports the
// same names, prometheus/metrics.ts, where the broker's exporter is not reachable) and Prometheus' `up`.
import type { AlertThresholds } from "../scripts/lib/config-alerts.ts";
import { QUEUES_WITHOUT_CONSUMER_BY_DESIGN, QUEUE_CONSUMERS } from "../grafana/queue-topology.ts";
import { MONITOR_METRICS, QUEUE_CONSUMER_COUNT, QUEUE_DELIVERIES, QUEUE_DEPTH, QUEUE_PUBLISHED } from "./metrics.ts";
import { JOBS, durationSeconds } from "./prometheus.ts";

export type Severity = "critical" | "warning";

export interface AlertDefinition {
  /** The alertname, and the heading of its runbook section. */
  name: string;
  /** The rule group it is evaluated in. */
  group: "services" | "exchange-link" | "queues" | "trading" | "infrastructure";
  expr: string;
  /** How long the condition must hold before it fires (capped by ALERT_FOR_MAX). */
  for: string;
  severity: Severity;
  /** Prometheus templates: $labels and $value. */
  summary: string;
  description: string;
  /** Extra labels (inhibition matches on `service`). */
  labels?: Record<string, string>;
}

/** The runbook every alert links to; its sections are the alerts' names. */
export const ALERT_RUNBOOK = "alerts.md";

const SERVICE_STATUS = MONITOR_METRICS.serviceStatus;
const LINK_STATE = MONITOR_METRICS.linkState;
// Regular expressions as PromQL raw strings (backticks): no escape is interpreted in them.
const regex = (names: readonly string[]) => `\`${names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")}\``;
const BY_DESIGN = `queue!~${regex(QUEUES_WITHOUT_CONSUMER_BY_DESIGN)}`;

/** Per-queue figures, recorded once per evaluation so that the alerts (and panels) read plainly: labels
 *  vhost and queue only, whichever job exports them; the messages also carry the queue's consumer as
 *  `service`, so that the consumer being down silences the queue's alerts (prometheus/alertmanager.ts). */
export const QUEUE_RECORDS = {
  messages: "ytrader:queue_messages",
  consumers: "ytrader:queue_consumers",
  published: "ytrader:queue_published:rate5m",
  delivered: "ytrader:queue_delivered:rate5m",
} as const;

function withConsumer(expr: string): string {
  const byService = new Map<string, string[]>();
  for (const [queue, service] of Object.entries(QUEUE_CONSUMERS)) byService.set(service, [...(byService.get(service) ?? []), queue]);
  let result = expr;
  for (const [service, queues] of byService) result = `label_replace(${result}, "service", "${service}", "queue", ${regex(queues)})`;
  return result;
}

export interface RecordingRule {
  record: string;
  expr: string;
}

/** Evaluated before the queue alerts, in their group, in this order. */
export const RECORDING_RULES: RecordingRule[] = [
  { record: QUEUE_RECORDS.messages, expr: withConsumer(`max by (vhost, queue) (${QUEUE_DEPTH})`) },
  { record: QUEUE_RECORDS.consumers, expr: `max by (vhost, queue) (${QUEUE_CONSUMER_COUNT})` },
  {
    record: QUEUE_RECORDS.published,
    expr: `sum without (queue_vhost) (label_replace(sum by (queue_vhost, queue) (rate(${QUEUE_PUBLISHED}[5m])), "vhost", "$1", "queue_vhost", "(.*)"))`,
  },
  {
    // Manual plus automatic acknowledgement (a channel exports both); a queue published to but delivered
    // from by no channel delivers 0.
    record: QUEUE_RECORDS.delivered,
    expr: QUEUE_DELIVERIES
      .map((counter) => `(sum by (vhost, queue) (rate(${counter}[5m])) or on (vhost, queue) ${QUEUE_RECORDS.published} * 0)`)
      .join(" + on (vhost, queue) "),
  },
];

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

const MESSAGES = `${QUEUE_RECORDS.messages}{${BY_DESIGN}}`;

export function alertDefinitions(t: AlertThresholds): AlertDefinition[] {
  const heartbeatSeconds = durationSeconds(t.heartbeatMaxAge);
  const noSignalsSeconds = durationSeconds(t.noSignalsAfter);
  return [
    // --- The services -------------------------------------------------------------------------------
    {
      name: "YtraderServiceUnreachable",
      group: "services",
      expr: `${SERVICE_STATUS} == 0`,
      for: "1m",
      severity: "critical",
      summary: "{{ $labels.service }} does not answer",
      description:
        "The monitor gets no answer from {{ $labels.service }}'s /health (connection refused or its 5 s timeout), for at least a minute. " +
        "What depends on it stops: its queues back up, signals or orders stop.",
    },
    {
      name: "YtraderServiceUnhealthy",
      group: "services",
      expr: `${SERVICE_STATUS} == 1 or ${SERVICE_STATUS} == 2`,
      for: "3m",
      severity: "warning",
      summary: "{{ $labels.service }} says it is not healthy",
      description:
        "{{ $labels.service }} answers its /health, but not healthy: state {{ $value }} (1 unhealthy: an error status or a body that is not JSON; " +
        "2 degraded, position-manager's word for a broken dependency), for at least 3 minutes. Its /health body says which component.",
    },
    // --- The exchange WebSocket link --------------------------------------------------------------------
    {
      name: "YtraderExchangeLinkDown",
      group: "exchange-link",
      expr: `${LINK_STATE} < 3`,
      for: "2m",
      severity: "critical",
      summary: "The exchange WebSocket link is not connected",
      description:
        "ws-gateway reports its link to the exchange as state {{ $value }} (0 disconnected, 1 connecting, 2 reconnecting), not connected, " +
        "for at least 2 minutes: no market data reaches the models, no new signals.",
    },
    {
      name: "YtraderExchangeLinkFlapping",
      group: "exchange-link",
      // increase() extrapolates to the window's edges (3 reconnects can read 3.3): rounded, it counts them.
      expr: `round(increase(${MONITOR_METRICS.reconnects}[10m])) > ${t.linkReconnectsPer10m}`,
      for: "0s",
      severity: "warning",
      summary: "The exchange WebSocket link reconnects again and again",
      description: `The exchange link reconnected {{ $value | humanize }} times in the last 10 minutes (more than ${t.linkReconnectsPer10m}, ALERT_LINK_RECONNECTS_PER_10M): each reconnect loses market data.`,
    },
    {
      name: "YtraderExchangeHeartbeatStale",
      group: "exchange-link",
      expr: `${MONITOR_METRICS.heartbeatAge} > ${heartbeatSeconds}`,
      for: "1m",
      severity: "warning",
      summary: "The exchange link's heartbeat is stale",
      description: `ws-gateway's last heartbeat from the exchange is {{ $value | humanizeDuration }} old (over ${t.heartbeatMaxAge}, ALERT_HEARTBEAT_MAX_AGE): the link may be dead while it still says connected.`,
    },
    // --- RabbitMQ queues ------------------------------------------------------------------------------
    {
      name: "YtraderQueueBackedUp",
      group: "queues",
      expr:
        `${MESSAGES} > ${t.queueMaxMessages} or (${MESSAGES} > 0 and on (vhost, queue) ${QUEUE_RECORDS.published} > 0 ` +
        `and on (vhost, queue) ${QUEUE_RECORDS.delivered} < on (vhost, queue) ${QUEUE_RECORDS.published} * ${t.queueMinConsumeShare})`,
      for: "5m",
      severity: "warning",
      summary: "Queue {{ $labels.queue }} is backing up ({{ $value | humanize }} messages)",
      description:
        `Queue {{ $labels.queue }} (vhost {{ $labels.vhost }}) lags by the spec's rule: more than ${t.queueMaxMessages} messages ` +
        `(ALERT_QUEUE_MAX_MESSAGES), or published to with messages waiting while consumed at under ${percent(t.queueMinConsumeShare)} of the publish rate ` +
        "(ALERT_QUEUE_MIN_CONSUME_SHARE, rates over 5 minutes); it holds {{ $value | humanize }} messages now. Its consumer: {{ $labels.service }}.",
    },
    {
      name: "YtraderQueueNoConsumer",
      group: "queues",
      expr: `${MESSAGES} > 0 and on (vhost, queue) ${QUEUE_RECORDS.consumers} == 0`,
      for: "5m",
      severity: "warning",
      summary: "Queue {{ $labels.queue }} holds messages and has no consumer",
      description:
        "Queue {{ $labels.queue }} (vhost {{ $labels.vhost }}) holds {{ $value | humanize }} messages and nothing consumes it, for at least 5 minutes. " +
        `Its consumer ({{ $labels.service }}) is stopped or lost its channel. Queues without a consumer by design (${QUEUES_WITHOUT_CONSUMER_BY_DESIGN.join(", ")}) never fire.`,
    },
    // --- Trading ----------------------------------------------------------------------------------------
    {
      name: "YtraderNoTradingSignals",
      group: "trading",
      expr:
        `time() - ${MONITOR_METRICS.lastRow}{table="trading_signals"} > ${noSignalsSeconds} ` +
        `and on () min(${SERVICE_STATUS}) >= 2`,
      for: "1m",
      severity: "warning",
      summary: "No trading signal for {{ $value | humanizeDuration }}",
      description:
        `The newest trading signal is {{ $value | humanizeDuration }} old (over ${t.noSignalsAfter}, ALERT_NO_SIGNALS_AFTER) while every service answers ` +
        "healthy or degraded: the models produce nothing. (With a service down, that service's own alert says why.)",
    },
    {
      name: "YtraderOrderRejectionRatioHigh",
      group: "trading",
      expr:
        `${MONITOR_METRICS.rejectedRecent} / ${MONITOR_METRICS.ordersRecent} > ${t.orderRejectionRatio} ` +
        `and ${MONITOR_METRICS.ordersRecent} >= ${t.orderRejectionMinOrders}`,
      for: "5m",
      severity: "warning",
      summary: "{{ $value | humanizePercentage }} of the orders of the last {{ $labels.window }} were rejected",
      description:
        `{{ $value | humanizePercentage }} of the orders created in the last {{ $labels.window }} (MONITOR_DATABASE_WINDOW) were rejected: over ` +
        `${percent(t.orderRejectionRatio)} (ALERT_ORDER_REJECTION_RATIO, judged over at least ${t.orderRejectionMinOrders} orders). The rejected orders panel lists the reasons.`,
    },
    {
      name: "YtraderTrainingStuck",
      group: "trading",
      expr: `${MONITOR_METRICS.trainingInProgress} == 1`,
      for: t.trainingMaxDuration,
      severity: "warning",
      summary: `model-service has been training for over ${t.trainingMaxDuration}`,
      description: `model-service has reported a training in progress at every reading for over ${t.trainingMaxDuration} (ALERT_TRAINING_MAX_DURATION): a training that long is stuck, and models are not refreshed.`,
    },
    // --- The infrastructure -----------------------------------------------------------------------------
    {
      name: "YtraderPostgresUnreachable",
      group: "infrastructure",
      expr: `${MONITOR_METRICS.sourceUp}{source="database"} == 0`,
      for: "2m",
      severity: "critical",
      summary: "PostgreSQL does not answer the monitor",
      description:
        "The monitor's reading of the database (as the read-only role) fails, for at least 2 minutes: PostgreSQL is down or refuses the role. " +
        "The services cannot store signals or orders; the dashboards' SQL panels show errors.",
      labels: { service: "postgresql" },
    },
    {
      name: "YtraderRabbitmqUnreachable",
      group: "infrastructure",
      expr: `up{job="${JOBS.rabbitmq}"} == 0 or ${MONITOR_METRICS.sourceUp}{source="rabbitmq"} == 0`,
      for: "2m",
      severity: "critical",
      summary: "RabbitMQ does not answer",
      description:
        "Prometheus cannot scrape RabbitMQ's exporter (or the monitor cannot read its management API), for at least 2 minutes: the broker is down. " +
        "No message moves between the services; the queue alerts are silenced meanwhile.",
      labels: { service: "rabbitmq" },
    },
    {
      name: "YtraderMonitorDown",
      group: "infrastructure",
      expr: `up{job="${JOBS.monitor}"} == 0 or absent(up{job="${JOBS.monitor}"})`,
      for: "2m",
      severity: "critical",
      summary: "The toolkit's monitor does not answer Prometheus",
      description:
        "Prometheus cannot scrape `bun run monitor` for at least 2 minutes: the service, exchange link, database and training alerts cannot fire while it is down.",
      labels: { service: "monitor" },
    },
    {
      name: "YtraderScrapeTargetDown",
      group: "infrastructure",
      expr: `up{job=~"${JOBS.prometheus}|${JOBS.alertmanager}"} == 0`,
      for: "5m",
      severity: "warning",
      summary: "Prometheus cannot scrape {{ $labels.job }}",
      description: "Prometheus' scrape of {{ $labels.job }} at {{ $labels.instance }} fails, for at least 5 minutes: its own figures are missing.",
    },
  ];
}

/** The shorter of a rule's own `for` and the cap. */
export function cappedFor(own: string, cap?: string): string {
  return cap && durationSeconds(cap) < durationSeconds(own) ? cap : own;
}

/** A runbook_url: the section of the runbook named after the alert, under ALERT_RUNBOOK_BASE_URL when set. */
export function runbookUrl(alert: string, base?: string): string {
  return `${base ?? "docs/runbooks"}/${ALERT_RUNBOOK}#${alert.toLowerCase()}`;
}

/** The rule groups of Prometheus' rule file: one group each, in the definitions' order. */
export function alertRuleGroups(t: AlertThresholds): { groups: Record<string, unknown>[] } {
  const definitions = alertDefinitions(t);
  const groups = [...new Set(definitions.map((d) => d.group))];
  return {
    groups: groups.map((group) => ({
      name: `ytrader-${group}`,
      rules: [
        ...(group === "queues" ? RECORDING_RULES : []),
        ...definitions
        .filter((d) => d.group === group)
        .map((d) => ({
          alert: d.name,
          expr: d.expr,
          for: cappedFor(d.for, t.forMax),
          labels: { severity: d.severity, ...d.labels },
          annotations: { summary: d.summary, description: d.description, runbook_url: runbookUrl(d.name, t.runbookBaseUrl) },
        })),
      ],
    })),
  };
}
