// A made-up but shaped-like-life history of every series the history panels read, as OpenMetrics text
// for promtool's backfill: the monitor's (each service's state, the exchange link, training, its own
// errors and readings) and RabbitMQ's per-queue figures for every queue of the demo, under the names and
// labels the real exporters give them (prometheus/metrics.ts). Written as a file, series by series, so
// that 30 days of it never sits in memory.
import { CORE_SERVICES as SERVICE_NAMES } from "../services.ts";
import { QUEUES } from "../demo/rabbitmq.ts";
import { LINK_STATES, MONITOR_JOB, MONITOR_METRICS, QUEUE_CONSUMER_COUNT, QUEUE_DELIVERIES, QUEUE_DEPTH, QUEUE_GAUGES, QUEUE_PUBLISHED, RABBITMQ_JOB, SERVICE_STATES } from "../../../prometheus/metrics.ts";

export interface HistoryShape {
  /** Unix seconds of the first and last sample. */
  from: number;
  to: number;
  /** Seconds between two samples (the scrape interval the history stands for). */
  stepSeconds: number;
}

interface Family {
  name: string;
  type: "gauge" | "counter";
  series: { labels: Record<string, string>; value: (t: number, k: number) => number }[];
}

const HOUR = 3600;
const monitorLabels = { instance: "monitor:9470", job: MONITOR_JOB };
const brokerLabels = { instance: "rabbitmq:15692", job: RABBITMQ_JOB };
const state = (states: readonly string[], name: string) => states.indexOf(name);

/** Each service unreachable for two minutes every six hours, at its own hour. */
const down = (t: number, i: number) => (t + i * 1.5 * HOUR) % (6 * HOUR) < 120;
/** The link drops every four hours: disconnected, connecting, reconnecting for 15 s each. */
const linkPhase = (t: number) => Math.floor((t % (4 * HOUR)) / 15);

function families(shape: HistoryShape): Family[] {
  const step = shape.stepSeconds;
  const services = SERVICE_NAMES.map((service, i) => ({ service, i }));
  return [
    { name: "up", type: "gauge", series: [{ labels: monitorLabels, value: () => 1 }] },
    { name: MONITOR_METRICS.lastCycle, type: "gauge", series: [{ labels: monitorLabels, value: (t) => t }] },
    { name: MONITOR_METRICS.interval, type: "gauge", series: [{ labels: monitorLabels, value: () => 15 }] },
    {
      name: MONITOR_METRICS.serviceStatus,
      type: "gauge",
      series: services.map(({ service, i }) => ({
        labels: { ...monitorLabels, service },
        value: (t) => state(SERVICE_STATES, down(t, i) ? "unreachable" : "healthy"),
      })),
    },
    {
      name: MONITOR_METRICS.sourceErrors.replace(/_total$/, ""),
      type: "counter",
      series: services.map(({ service, i }) => ({
        labels: { ...monitorLabels, source: service },
        // one failed reading per interval while down: two minutes every six hours
        value: (t) => Math.floor((t - shape.from) / (6 * HOUR)) * Math.ceil(120 / step) + (down(t, i) ? Math.ceil(((t + i * 1.5 * HOUR) % (6 * HOUR)) / step) : 0),
      })),
    },
    {
      name: MONITOR_METRICS.linkState,
      type: "gauge",
      series: [{ labels: { ...monitorLabels, service: "ws-gateway" }, value: (t) => [0, 1, 2][linkPhase(t)] ?? state(LINK_STATES, "connected") }],
    },
    {
      name: MONITOR_METRICS.reconnects.replace(/_total$/, ""),
      type: "counter",
      series: [{ labels: { ...monitorLabels, service: "ws-gateway" }, value: (t) => Math.floor((t - shape.from) / (4 * HOUR)) }],
    },
    { name: MONITOR_METRICS.heartbeatAge, type: "gauge", series: [{ labels: { ...monitorLabels, service: "ws-gateway" }, value: (t) => t % 20 }] },
    {
      name: MONITOR_METRICS.trainingInProgress,
      type: "gauge",
      series: [{ labels: { ...monitorLabels, service: "model-service" }, value: (t) => (t % (6 * HOUR) < 600 ? 1 : 0) }],
    },
    ...queueFamilies(shape),
  ];
}

/** Consumed queues hover near empty; the ones nobody reads grow by what is published into them. */
function queueFamilies(shape: HistoryShape): Family[] {
  const queues = QUEUES.map((q) => ({ queue: q.name, consumed: q.consumer !== null, rate: q.perSecond }));
  const depth = (q: (typeof queues)[number], t: number) => (q.consumed ? Math.round(5 + 5 * Math.sin(t / 600)) : Math.round(q.rate * (t - shape.from)));
  const perQueue = (value: (q: (typeof queues)[number], t: number) => number) =>
    queues.map((q) => ({ labels: { ...brokerLabels, vhost: "/", queue: q.queue }, value: (t: number) => value(q, t) }));
  const published = (q: (typeof queues)[number], t: number) => Math.round(q.rate * (t - shape.from));
  return [
    { name: QUEUE_DEPTH, type: "gauge", series: perQueue(depth) },
    { name: "rabbitmq_queue_messages_ready" satisfies keyof typeof QUEUE_GAUGES, type: "gauge", series: perQueue((q, t) => depth(q, t) - (q.consumed ? Math.min(depth(q, t), 2) : 0)) },
    { name: "rabbitmq_queue_messages_unacked" satisfies keyof typeof QUEUE_GAUGES, type: "gauge", series: perQueue((q, t) => (q.consumed ? Math.min(depth(q, t), 2) : 0)) },
    { name: QUEUE_CONSUMER_COUNT, type: "gauge", series: perQueue((q) => (q.consumed ? 1 : 0)) },
    {
      name: QUEUE_PUBLISHED.replace(/_total$/, ""),
      type: "counter",
      series: queues.map((q) => ({
        labels: { ...brokerLabels, channel: "<0.900.0>", queue_vhost: "/", queue: q.queue, exchange_vhost: "/", exchange: "" },
        value: (t: number) => published(q, t),
      })),
    },
    {
      name: QUEUE_DELIVERIES[0].replace(/_total$/, ""),
      type: "counter",
      series: queues.filter((q) => q.consumed).map((q) => ({ labels: { ...brokerLabels, channel: "<0.901.0>", vhost: "/", queue: q.queue }, value: (t: number) => published(q, t) })),
    },
  ];
}

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
    .join(",");

/** Writes the history to `path`; the number of series and samples written. */
export async function writeHistory(path: string, shape: HistoryShape): Promise<{ series: number; samples: number }> {
  const writer = Bun.file(path).writer();
  let series = 0;
  let samples = 0;
  for (const family of families(shape)) {
    writer.write(`# TYPE ${family.name} ${family.type}\n`);
    const sampleName = family.type === "counter" ? `${family.name}_total` : family.name;
    for (const one of family.series) {
      series++;
      const prefix = `${sampleName}{${labelText(one.labels)}} `;
      let chunk: string[] = [];
      for (let t = shape.from, k = 0; t <= shape.to; t += shape.stepSeconds, k++) {
        chunk.push(`${prefix}${one.value(t, k)} ${t}`);
        samples++;
        if (chunk.length === 10_000) {
          writer.write(`${chunk.join("\n")}\n`);
          chunk = [];
          await writer.flush();
        }
      }
      if (chunk.length) writer.write(`${chunk.join("\n")}\n`);
    }
  }
  writer.write("# EOF\n");
  await writer.end();
  return { series, samples };
}
