// Per-queue figures under the names and labels RabbitMQ's own exporter (rabbitmq_prometheus) gives them on
// its per-object endpoint (prometheus/metrics.ts), read from the management API instead: for a broker
// whose exporter cannot be reached, so that the queue panels work either way (MONITOR_QUEUE_SOURCE).
// Which of the two serves them is decided once, by queueSourceChoice: the stack's Prometheus scrapes the
// broker only when it answers, setup says which path it took, and the monitor exports them otherwise.
import { Counter, Gauge, type Registry } from "prom-client";
import { QUEUE_DELIVERED, QUEUE_GAUGES, QUEUE_PUBLISHED } from "../../../prometheus/metrics.ts";
import { RABBITMQ_PER_OBJECT_PATH } from "../../../prometheus/prometheus.ts";
import { isObject } from "../check/infinity/types.ts";
import type { Config } from "../config.ts";
import { type Outcome, readJson, sourceRequest } from "./sources.ts";

/** Who gives Prometheus the per-queue figures, and why. */
export interface QueueSourceChoice {
  source: "exporter" | "management";
  /** The broker exporter's per-object URL that was asked (or would be scraped). */
  url: string;
  reason: string;
}

/** The broker exporter's per-object endpoint under its base URL (http://host:15692). */
const perObjectUrl = (base: string) => `${base.replace(/\/+$/, "")}${RABBITMQ_PER_OBJECT_PATH}`;
/** A per-queue family the endpoint names even for a broker without queues (in its HELP line). */
const READY_GAUGE = "rabbitmq_queue_messages_ready" satisfies keyof typeof QUEUE_GAUGES;

/** Whether RabbitMQ's own exporter answers at `url` (http://host:15692) with per-queue figures on its
 *  per-object endpoint; the reason when it does not. */
export async function brokerExporterAnswers(url: string, timeoutMs = 5_000): Promise<{ ok: boolean; reason: string }> {
  const target = perObjectUrl(url);
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    if (!response.ok) return { ok: false, reason: `${target} answered HTTP ${response.status}` };
    if (!body.includes(READY_GAUGE)) return { ok: false, reason: `${target} gives no per-queue figures` };
    return { ok: true, reason: `${target} gives per-queue figures` };
  } catch (error) {
    return { ok: false, reason: `${target}: ${(error as Error).message}` };
  }
}

/** The path the per-queue figures take: MONITOR_QUEUE_SOURCE when it names one; with auto (the default),
 *  the broker's exporter at `exporterUrl` (RABBITMQ_PROMETHEUS_URL) when it answers, else the monitor. */
export async function queueSourceChoice(config: Config, exporterUrl = config.prometheus.rabbitmqUrl, timeoutMs?: number): Promise<QueueSourceChoice> {
  const url = perObjectUrl(exporterUrl);
  const setting = config.monitor.queueSource;
  if (setting === "exporter") return { source: "exporter", url, reason: "MONITOR_QUEUE_SOURCE=exporter" };
  if (setting === "management") return { source: "management", url, reason: "MONITOR_QUEUE_SOURCE=management" };
  const probe = await brokerExporterAnswers(exporterUrl, timeoutMs);
  return { source: probe.ok ? "exporter" : "management", url, reason: probe.reason };
}

/** The line setup prints for the choice. */
export function describeQueueSource(choice: QueueSourceChoice): string {
  const why = choice.reason.startsWith("MONITOR_QUEUE_SOURCE") ? ` (${choice.reason})` : "";
  return choice.source === "exporter"
    ? `RabbitMQ's own exporter: Prometheus scrapes ${choice.url}${why}`
    : `the monitor, from the management API under the exporter's names (${choice.reason})`;
}

const COLUMNS = ["name", "vhost", "messages", "messages_ready", "messages_unacknowledged", "consumers", "message_stats"].join(",");

export class QueueMetrics {
  private readonly gauges: [Gauge, string][];
  private readonly published: Counter;
  private readonly delivered: [Counter, string][];

  constructor(registry: Registry) {
    const labelNames = ["vhost", "queue"];
    this.gauges = Object.entries(QUEUE_GAUGES).map(([name, [field, help]]) => [new Gauge({ name, help, labelNames, registers: [registry] }), field]);
    this.published = new Counter({
      name: QUEUE_PUBLISHED,
      help: "Total number of messages published to queues",
      labelNames: ["queue_vhost", "queue", "exchange_vhost", "exchange"],
      registers: [registry],
    });
    this.delivered = Object.entries(QUEUE_DELIVERED).map(([name, [field, help]]) => [new Counter({ name, help, labelNames, registers: [registry] }), field]);
  }

  /** Removes every series (the broker's exporter serves them again). */
  clear(): void {
    for (const [metric] of [...this.gauges, ...this.delivered]) metric.reset();
    this.published.reset();
  }

  /** Reads /api/queues as the monitoring user (the RabbitMQ datasource's definition) and sets every series
   *  to what the broker says now; queues that are gone lose their series. */
  async read(config: Config): Promise<Outcome<number>> {
    const outcome = await readJson(sourceRequest(config, "rabbitmq", `/api/queues?columns=${COLUMNS}`));
    if (!outcome.ok) return outcome;
    if (!Array.isArray(outcome.value)) return { ok: false, error: "/api/queues did not answer a list", seconds: outcome.seconds, answered: true };
    this.clear();
    for (const queue of outcome.value.filter(isObject)) {
      const vhost = String(queue.vhost ?? "/");
      const labels = { vhost, queue: String(queue.name ?? "") };
      for (const [gauge, field] of this.gauges) if (typeof queue[field] === "number") gauge.set(labels, queue[field] as number);
      const stats = isObject(queue.message_stats) ? queue.message_stats : {};
      const count = (field: string) => (typeof stats[field] === "number" ? (stats[field] as number) : 0);
      // The trading system publishes through the default exchange only (its name is the empty string).
      this.published.inc({ queue_vhost: vhost, queue: labels.queue, exchange_vhost: vhost, exchange: "" }, count("publish"));
      for (const [counter, field] of this.delivered) counter.inc(labels, count(field));
    }
    return { ok: true, value: outcome.value.length, seconds: outcome.seconds };
  }
}
