// `bun run monitor`: every interval, read every source (services' /health, training status, the exchange
// link, the database figures, queues when it exports them), update /metrics, and write each state change
// as one event. Readings never overlap: the next starts an interval after the last one began, or at once
// when a reading took longer than the interval.
import { type Config, SERVICE_NAMES } from "../config.ts";
import { DatabaseFiguresReader } from "./database.ts";
import {
  EventStore,
  LINK_SUBJECT,
  type LastEvent,
  type MonitorEvent,
  TRAINING_SUBJECT,
  linkEvent,
  nextReconnects,
  serviceEvent,
  trainingChange,
  trainingEvent,
} from "./events.ts";
import { MonitorMetrics } from "./metrics.ts";
import { OrderBuckets } from "./order-buckets.ts";
import { QueueMetrics, type QueueSourceChoice, queueSourceChoice } from "./queues.ts";
import { type LinkState, linkReading, readServices, readTraining } from "./sources.ts";

const RETENTION_EVERY_MS = 3_600_000;
/** How often the order buckets are kept: a new one settles every 10 minutes; the comparison with the index
 *  walks a day of buckets each time. */
const ORDER_BUCKETS_EVERY_MS = 60_000;
/** How often MONITOR_QUEUE_SOURCE=auto asks again whether the broker's exporter answers. */
const QUEUE_SOURCE_EVERY_MS = 600_000;

export interface MonitorOptions {
  log?: (line: string) => void;
  /** A store other than the writer role's (tests); null: write no events. */
  store?: EventStore | null;
}

/** What /healthz says about the monitor itself. */
export interface MonitorHealth {
  status: "ok" | "starting" | "stale";
  startedAt: string;
  lastCycleAt: string | null;
  intervalSeconds: number;
  /** writing, off (no writer configured), or the last failure to write. */
  events: string;
  /** Each source's last outcome: ok, or why it failed. */
  sources: Record<string, string>;
}

export class Monitor {
  readonly metrics = new MonitorMetrics();
  private readonly store: EventStore | null;
  private readonly database: DatabaseFiguresReader;
  private readonly orderBuckets: OrderBuckets | null;
  private lastOrderBuckets = 0;
  private queues: QueueMetrics | null = null;
  private queueChoice: { choice: QueueSourceChoice; at: number } | null = null;
  private readonly log: (line: string) => void;
  /** The last event of each subject; null until read from the table (no event is written before). */
  private last: Map<string, LastEvent> | null = null;
  private lastLinkState: LinkState | null = null;
  private lastRetention = 0;
  private readonly startedAt = new Date();
  private lastCycleAt: Date | null = null;
  private eventsStatus: string;
  private readonly sources: Record<string, string> = {};

  constructor(
    private readonly config: Config,
    options: MonitorOptions = {},
  ) {
    this.log = options.log ?? (() => {});
    this.store = options.store !== undefined ? options.store : config.monitor.writerPassword ? EventStore.open(config) : null;
    this.eventsStatus = this.store ? "starting" : "off: MONITOR_POSTGRES_PASSWORD is not set";
    this.database = new DatabaseFiguresReader(config);
    this.orderBuckets = this.store ? new OrderBuckets(this.database, this.store.sql, config.monitor.schema) : null;
  }

  /** One reading of every source; returns the events written. */
  async cycle(now = new Date()): Promise<MonitorEvent[]> {
    const started = performance.now();
    // Whether the monitor exports the queues is asked beside the other sources, not before them: the
    // exporter's probe (every 10 minutes with auto) may take its whole timeout.
    const [services, training, figures, queues] = await Promise.all([
      readServices(this.config),
      readTraining(this.config),
      this.timed("database", () => this.database.read(now)),
      this.exportsQueues(now).then((exports) => (exports ? this.queueMetrics().read(this.config) : null)),
    ]);
    const events: MonitorEvent[] = [];
    await this.loadLast();
    const last = this.last ?? new Map<string, LastEvent>();

    for (const reading of services) {
      this.metrics.service(reading);
      this.sources[reading.service] = reading.reason && reading.state !== "degraded" && reading.state !== "healthy" ? reading.reason : "ok";
      if (last.get(reading.service)?.state !== reading.state) events.push(serviceEvent(now, reading));
    }

    const gateway = services.find((s) => s.service === "ws-gateway");
    const link = linkReading(gateway?.body ?? null);
    const backOnline = link?.state === "connected" && this.lastLinkState !== null && this.lastLinkState !== "connected";
    this.metrics.link(link, now, backOnline);
    if (link) {
      this.lastLinkState = link.state;
      const previous = last.get(LINK_SUBJECT);
      if (previous?.state !== link.state) events.push(linkEvent(now, link, nextReconnects(link, previous)));
    }

    if (training) {
      this.metrics.source("training", training.seconds, !training.ok);
      this.sources.training = training.ok ? "ok" : training.error;
      this.metrics.training(training.ok ? training.value : null);
      const change = training.ok ? trainingChange(last.get(TRAINING_SUBJECT), training.value) : null;
      if (change && training.ok) events.push(trainingEvent(now, change, training.value));
    } else {
      this.sources.training = "off: MODEL_SERVICE_API_KEY is not set";
      this.metrics.training(null);
    }

    this.metrics.database(figures.ok ? figures.value : null, this.windowLabel(), this.config.monitor.databaseWindowSeconds);
    if (queues) {
      this.metrics.source("rabbitmq", queues.seconds, !queues.ok);
      this.sources.rabbitmq = queues.ok ? "ok" : queues.error;
    }

    const written = await this.write(events);
    await this.keepOrderBuckets(now);
    await this.retention(now);
    const ended = new Date();
    this.lastCycleAt = ended;
    this.metrics.cycle((performance.now() - started) / 1000, ended, this.config.monitor.intervalSeconds);
    return written;
  }

  /** Whether the monitor exports the per-queue figures (queues.ts queueSourceChoice), asked at the first
   *  reading and again every ten minutes with auto; the series stay registered once made. */
  private async exportsQueues(now: Date): Promise<boolean> {
    if (!this.queueChoice || (this.config.monitor.queueSource === "auto" && now.getTime() - this.queueChoice.at >= QUEUE_SOURCE_EVERY_MS)) {
      const choice = await queueSourceChoice(this.config, undefined, 2_000);
      if (choice.source !== this.queueChoice?.choice.source) this.log(`queues: ${choice.source === "exporter" ? "left to RabbitMQ's exporter" : "exported by the monitor"} (${choice.reason})`);
      this.queueChoice = { choice, at: now.getTime() };
      if (choice.source === "exporter") this.queues?.clear();
    }
    return this.queueChoice.choice.source === "management";
  }

  private queueMetrics(): QueueMetrics {
    this.queues ??= new QueueMetrics(this.metrics.registry);
    return this.queues;
  }

  /** Where the per-queue figures come from now (null before the first reading). */
  queueSource(): QueueSourceChoice | null {
    return this.queueChoice?.choice ?? null;
  }

  /** The last event of every subject, read once from the table (so that a restart repeats nothing);
   *  until it could be read, no event is written. */
  private async loadLast(): Promise<void> {
    if (!this.store || this.last) return;
    try {
      this.last = await this.store.lastEvents();
    } catch (error) {
      this.eventsStatus = `failing: ${(error as Error).message}`;
      this.log(`last events not read, no event written yet: ${(error as Error).message}`);
    }
  }

  /** Writes the changes; a failure is kept for /healthz and retried with the next reading (the change is
   *  still a change then). */
  private async write(events: MonitorEvent[]): Promise<MonitorEvent[]> {
    if (!this.store || !this.last) return [];
    const started = performance.now();
    try {
      const { written, last } = await this.store.record(events);
      // The table's last rows, whoever wrote them: a second monitor's rows count as ours.
      for (const [subject, event] of last) this.last.set(subject, event);
      for (const event of written) {
        this.metrics.eventsWritten.inc({ subject: event.subject });
        this.log(`event: ${event.eventType} (${event.service}): ${event.detail}`);
      }
      this.eventsStatus = "writing";
      this.metrics.source("events", (performance.now() - started) / 1000, false);
      return written;
    } catch (error) {
      this.eventsStatus = `failing: ${(error as Error).message}`;
      this.metrics.source("events", (performance.now() - started) / 1000, true);
      this.log(`events not written: ${(error as Error).message}`);
      return [];
    }
  }

  /** Summarizes the orders of newly settled buckets (order-buckets.ts), once a minute at most. */
  private async keepOrderBuckets(now: Date): Promise<void> {
    if (!this.orderBuckets || now.getTime() - this.lastOrderBuckets < ORDER_BUCKETS_EVERY_MS) return;
    this.lastOrderBuckets = now.getTime();
    const kept = await this.timed("order-buckets", () => this.orderBuckets!.keep(now, this.config.monitor.retentionDays));
    if (!kept.ok) this.log(`order buckets not summarized: ${kept.error}`);
    else if (kept.value.repaired) this.log(`order buckets: ${kept.value.repaired} summarized again (their orders changed after they were summarized)`);
  }

  private async retention(now: Date): Promise<void> {
    if (!this.store || now.getTime() - this.lastRetention < RETENTION_EVERY_MS) return;
    this.lastRetention = now.getTime();
    try {
      const deleted = await this.store.deleteOlderThan(this.config.monitor.retentionDays, { now });
      if (deleted) this.log(`retention: deleted ${deleted} event(s) older than ${this.config.monitor.retentionDays} days`);
      await this.orderBuckets?.deleteOlderThan(this.config.monitor.retentionDays, now);
    } catch (error) {
      this.log(`retention failed: ${(error as Error).message}`);
    }
  }

  private async timed<T>(source: string, read: () => Promise<T>) {
    const started = performance.now();
    try {
      const value = await read();
      this.metrics.source(source, (performance.now() - started) / 1000, false);
      this.sources[source] = "ok";
      return { ok: true as const, value };
    } catch (error) {
      this.metrics.source(source, (performance.now() - started) / 1000, true);
      this.sources[source] = (error as Error).message;
      return { ok: false as const, error: (error as Error).message };
    }
  }

  private windowLabel(): string {
    return this.config.values.MONITOR_DATABASE_WINDOW ?? `${this.config.monitor.databaseWindowSeconds}s`;
  }

  health(now = new Date()): MonitorHealth {
    const interval = this.config.monitor.intervalSeconds;
    // A reading may take a source's timeout (10 s) on top of the interval before it counts as late.
    const lateAfterMs = (2 * interval + 10) * 1000;
    const reference = this.lastCycleAt ?? this.startedAt;
    const late = now.getTime() - reference.getTime() > lateAfterMs;
    return {
      status: late ? "stale" : this.lastCycleAt ? "ok" : "starting",
      startedAt: this.startedAt.toISOString(),
      lastCycleAt: this.lastCycleAt?.toISOString() ?? null,
      intervalSeconds: interval,
      events: this.eventsStatus,
      sources: Object.fromEntries([...SERVICE_NAMES, "training", "database", "rabbitmq", "events", "order-buckets"].filter((s) => s in this.sources).map((s) => [s, this.sources[s]!])),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.store?.close(), this.database.close()]);
  }
}
