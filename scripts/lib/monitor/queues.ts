// Per-queue figures under the names RabbitMQ's own exporter (rabbitmq_prometheus) gives them on its
// /metrics/detailed endpoint, read from the management API instead: for a broker whose exporter
// Prometheus cannot reach, so that the queue panels and alerts work either way (MONITOR_QUEUE_SOURCE).
// Names and labels from RabbitMQ's Prometheus documentation (the detailed endpoint's queue_coarse_metrics,
// queue_consumer_count, queue_delivery_metrics and queue_exchange_metrics families): gauges for depths
// and consumers, counters for messages published into, delivered from and acknowledged on each queue.
import { Counter, Gauge, type Registry } from "prom-client";
import { isObject } from "../check/infinity/types.ts";
import type { Config } from "../config.ts";
import { type Outcome, readJson, sourceRequest } from "./sources.ts";

/** True when the monitor exports the per-queue figures itself (the broker's exporter is not reachable). */
export function monitorExportsQueues(config: Config): boolean {
  return config.monitor.queueSource === "management";
}

/** Whether RabbitMQ's own exporter answers at `url` (http://host:15692) with per-queue figures: what
 *  setup asks to choose MONITOR_QUEUE_SOURCE. */
export async function brokerExporterAnswers(url: string, timeoutMs = 5_000): Promise<boolean> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, "")}/metrics/detailed?family=queue_coarse_metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    return response.ok && body.includes("rabbitmq_detailed_queue_messages");
  } catch {
    return false;
  }
}

const GAUGES = {
  rabbitmq_detailed_queue_messages: ["messages", "Sum of ready and unacknowledged messages - total queue depth"],
  rabbitmq_detailed_queue_messages_ready: ["messages_ready", "Messages ready to be delivered to consumers"],
  rabbitmq_detailed_queue_messages_unacked: ["messages_unacknowledged", "Messages delivered to consumers but not yet acknowledged"],
  rabbitmq_detailed_queue_consumers: ["consumers", "Consumers on a queue"],
} as const;

// The management API's message_stats counts: publish (into the queue), deliver (to consumers, manual ack),
// deliver_no_ack (automatic ack), ack. An idle queue has no message_stats: its counts are 0.
const COUNTERS = {
  rabbitmq_detailed_queue_exchange_messages_published_total: ["publish", "Total number of messages published into a queue through an exchange"],
  rabbitmq_detailed_queue_messages_delivered_ack_total: ["deliver", "Total number of messages delivered from a queue to consumers in manual acknowledgement mode"],
  rabbitmq_detailed_queue_messages_delivered_total: ["deliver_no_ack", "Total number of messages delivered from a queue to consumers in automatic acknowledgement mode"],
  rabbitmq_detailed_queue_messages_acked_total: ["ack", "Total number of messages acknowledged by consumers on a queue"],
} as const;

const COLUMNS = ["name", "vhost", "messages", "messages_ready", "messages_unacknowledged", "consumers", "message_stats"].join(",");

export class QueueMetrics {
  private readonly gauges: [Gauge, string][];
  private readonly counters: [Counter, string][];

  constructor(registry: Registry) {
    this.gauges = Object.entries(GAUGES).map(([name, [field, help]]) => [new Gauge({ name, help, labelNames: ["vhost", "queue"], registers: [registry] }), field]);
    this.counters = Object.entries(COUNTERS).map(([name, [field, help]]) => [
      new Counter({ name, help, labelNames: name.includes("exchange") ? ["vhost", "queue", "exchange"] : ["vhost", "queue"], registers: [registry] }),
      field,
    ]);
  }

  /** Reads /api/queues as the monitoring user (the RabbitMQ datasource's definition) and sets every series
   *  to what the broker says now; queues that are gone lose their series. */
  async read(config: Config): Promise<Outcome<number>> {
    const outcome = await readJson(sourceRequest(config, "rabbitmq", `/api/queues?columns=${COLUMNS}`));
    if (!outcome.ok) return outcome;
    if (!Array.isArray(outcome.value)) return { ok: false, error: "/api/queues did not answer a list", seconds: outcome.seconds, answered: true };
    for (const [metric] of [...this.gauges, ...this.counters]) metric.reset();
    for (const queue of outcome.value.filter(isObject)) {
      const labels = { vhost: String(queue.vhost ?? "/"), queue: String(queue.name ?? "") };
      for (const [gauge, field] of this.gauges) if (typeof queue[field] === "number") gauge.set(labels, queue[field] as number);
      const stats = isObject(queue.message_stats) ? queue.message_stats : {};
      for (const [counter, field] of this.counters) {
        const value = typeof stats[field] === "number" ? (stats[field] as number) : 0;
        // The trading system publishes through the default exchange only (its name is the empty string).
        counter.inc(field === "publish" ? { ...labels, exchange: "" } : labels, value);
      }
    }
    return { ok: true, value: outcome.value.length, seconds: outcome.seconds };
  }
}
