// The Prometheus series the dashboards and the monitor share, named once: the monitor's own (its states as
// numeric enums) and RabbitMQ's per-queue figures as rabbitmq_prometheus' per-object endpoint
// (/metrics/per-object) names and labels them, which the monitor copies when it exports them itself.
//
// RabbitMQ's names and labels as its per-object endpoint gives them (RabbitMQ 3.10, read from a running
// broker and the plugin's collector, rabbitmq_prometheus_collector.erl: the queue_coarse_metrics,
// queue_metrics, channel_queue_exchange_metrics and channel_queue_metrics tables):
// - gauges per queue, labels vhost and queue: rabbitmq_queue_messages, _messages_ready, _messages_unacked,
//   rabbitmq_queue_consumers;
// - rabbitmq_queue_messages_published_total, a counter per channel, queue and exchange, labels channel,
//   queue_vhost, queue, exchange_vhost, exchange (the queue's vhost is queue_vhost here, not vhost);
// - rabbitmq_channel_messages_delivered_ack_total (manual acknowledgement), _delivered_total (automatic)
//   and _acked_total, counters per channel and queue, labels channel, vhost, queue.
// A channel's counters start again at 0 with a new channel, so panels take each series' rate first and
// sum the rates by queue.

/** Job names every series carries as `job` (prometheus/prometheus.ts scrapes them). */
export const MONITOR_JOB = "ytrader-monitor";
export const RABBITMQ_JOB = "rabbitmq";

/** ytrader_service_status: 0 unreachable, 1 unhealthy, 2 degraded, 3 healthy. */
export const SERVICE_STATES = ["unreachable", "unhealthy", "degraded", "healthy"] as const;
/** ytrader_exchange_link_state: 0 disconnected, 1 connecting, 2 reconnecting, 3 connected. */
export const LINK_STATES = ["disconnected", "connecting", "reconnecting", "connected"] as const;

/** The monitor's series that dashboards, alerts or the bench read (the monitor exports these under these
 *  names; its other series are named where it defines them, scripts/lib/monitor/metrics.ts). */
export const MONITOR_METRICS = {
  serviceStatus: "ytrader_service_status",
  linkState: "ytrader_exchange_link_state",
  reconnects: "ytrader_exchange_link_reconnects_total",
  heartbeatAge: "ytrader_exchange_link_heartbeat_age_seconds",
  trainingInProgress: "ytrader_training_in_progress",
  trainingQueue: "ytrader_training_queue_size",
  sourceErrors: "ytrader_monitor_source_errors_total",
  lastCycle: "ytrader_monitor_last_cycle_timestamp_seconds",
  interval: "ytrader_monitor_interval_seconds",
  sourceUp: "ytrader_monitor_source_up",
  ordersRecent: "ytrader_orders_recent",
  rejectedRecent: "ytrader_orders_rejected_recent",
  lastRow: "ytrader_table_last_row_timestamp_seconds",
} as const;

/** A queue's depth (ready and unacknowledged) and its consumers: the gauges panels and alerts read. */
export const QUEUE_DEPTH = "rabbitmq_queue_messages";
export const QUEUE_CONSUMER_COUNT = "rabbitmq_queue_consumers";

/** rabbitmq_prometheus' per-queue gauges (labels vhost, queue) and the management API field each is. */
export const QUEUE_GAUGES = {
  [QUEUE_DEPTH]: ["messages", "Sum of ready and unacknowledged messages - total queue depth"],
  rabbitmq_queue_messages_ready: ["messages_ready", "Messages ready to be delivered to consumers"],
  rabbitmq_queue_messages_unacked: ["messages_unacknowledged", "Messages delivered to consumers but not yet acknowledged"],
  [QUEUE_CONSUMER_COUNT]: ["consumers", "Consumers on a queue"],
} as const;

/** Messages published into each queue: labels queue_vhost, queue, exchange_vhost, exchange (and channel). */
export const QUEUE_PUBLISHED = "rabbitmq_queue_messages_published_total";

const DELIVERED_ACK = "rabbitmq_channel_messages_delivered_ack_total";
const DELIVERED_NO_ACK = "rabbitmq_channel_messages_delivered_total";

/** Messages delivered from each queue (labels vhost, queue, and channel), by acknowledgement mode, and the
 *  management API's message_stats field each is. */
export const QUEUE_DELIVERED = {
  [DELIVERED_ACK]: ["deliver", "Total number of messages delivered to consumers in manual acknowledgement mode"],
  [DELIVERED_NO_ACK]: ["deliver_no_ack", "Total number of messages delivered to consumers in automatic acknowledgement mode"],
  rabbitmq_channel_messages_acked_total: ["ack", "Total number of messages acknowledged by consumers"],
} as const;

/** A queue's deliveries are the two modes' counters added (panels and the alerts' recording rule). */
export const QUEUE_DELIVERIES = [DELIVERED_ACK, DELIVERED_NO_ACK] as const;
