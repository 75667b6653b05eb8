// The monitor's /metrics, written by prom-client (the maintained Prometheus client for Node, which Bun
// runs): names by Prometheus' conventions in the ytrader_ namespace, states as numeric enums whose
// meaning each HELP text spells out, a counter for reconnects, gauges in seconds. A series whose value is
// unknown (the link while ws-gateway does not answer) is removed rather than left at its last value, so a
// panel or an alert sees "no data", never a stale state.
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { MONITOR_METRICS } from "../../../prometheus/metrics.ts";
import { LINK_STATES, SERVICE_STATES, type LinkReading, type ServiceReading, type TrainingReading } from "./sources.ts";

const enumHelp = (what: string, states: readonly string[]) => `${what}: ${states.map((state, i) => `${i} ${state}`).join(", ")}`;

export const SERVICE_STATUS_HELP = enumHelp("State of the service from its /health body", SERVICE_STATES);
export const LINK_STATE_HELP = enumHelp("State of the exchange WebSocket link as ws-gateway reports it", LINK_STATES);

/** The figures the monitor reads from the database as the read-only role (database.ts). */
export interface DatabaseFigures {
  signals: number;
  orders: number;
  rejectedOrders: number;
  lastSignalAt: Date | null;
  lastOrderAt: Date | null;
}

export class MonitorMetrics {
  readonly registry = new Registry();
  private readonly labels = ["service"] as const;

  readonly serviceUp = this.gauge("ytrader_service_up", "1 when the service answered its /health with a JSON body, 0 when it did not answer or answered an error", this.labels);
  readonly serviceStatus = this.gauge(MONITOR_METRICS.serviceStatus, SERVICE_STATUS_HELP, this.labels);
  readonly linkState = this.gauge(MONITOR_METRICS.linkState, LINK_STATE_HELP, this.labels);
  readonly reconnects = new Counter({
    name: MONITOR_METRICS.reconnects,
    help: "Reconnects of the exchange WebSocket link: increases of ws-gateway's own count where it exposes one, else returns to connected the monitor saw",
    labelNames: this.labels,
    registers: [this.registry],
  });
  readonly heartbeatAge = this.gauge(MONITOR_METRICS.heartbeatAge, "Seconds since the exchange link's last heartbeat (only where ws-gateway exposes it)", this.labels);
  readonly messageLag = this.gauge("ytrader_exchange_link_message_lag_seconds", "Seconds since the exchange link last delivered a message (websocket_last_message_at of a newer ws-gateway)", this.labels);
  readonly trainingInProgress = this.gauge(MONITOR_METRICS.trainingInProgress, "1 while model-service trains a model, 0 when not (absent when its training status cannot be read)", this.labels);
  readonly trainingQueue = this.gauge(MONITOR_METRICS.trainingQueue, "Trainings waiting in model-service's queue", this.labels);

  readonly windowSeconds = this.gauge("ytrader_database_window_seconds", "Length of the window the *_recent figures count over (MONITOR_DATABASE_WINDOW)");
  readonly signalsRecent = this.gauge("ytrader_trading_signals_recent", "Trading signals written in the last `window` (MONITOR_DATABASE_WINDOW), read as the read-only role", ["window"]);
  readonly ordersRecent = this.gauge(MONITOR_METRICS.ordersRecent, "Orders created in the last `window`", ["window"]);
  readonly rejectedRecent = this.gauge(MONITOR_METRICS.rejectedRecent, "Orders created in the last `window` that were rejected", ["window"]);
  readonly lastRow = this.gauge(MONITOR_METRICS.lastRow, "Unix time of the newest row of a table: trading_signals, orders (absent when it has none)", ["table"]);

  readonly sourceDuration = this.gauge("ytrader_monitor_source_duration_seconds", "Seconds the monitor's last reading of a source took", ["source"]);
  readonly sourceErrors = new Counter({
    name: MONITOR_METRICS.sourceErrors,
    help: "Readings of a source that failed (a service that does not answer counts here and as ytrader_service_up 0)",
    labelNames: ["source"],
    registers: [this.registry],
  });
  readonly sourceUp = this.gauge(MONITOR_METRICS.sourceUp, "1 when the monitor's last reading of a source succeeded, 0 when it failed (the database, rabbitmq, training, events, each service)", ["source"]);
  readonly cycleDuration = this.gauge("ytrader_monitor_cycle_duration_seconds", "Seconds the monitor's last reading of every source took");
  readonly lastCycle = this.gauge(MONITOR_METRICS.lastCycle, "Unix time the monitor's last reading of every source ended");
  readonly interval = this.gauge(MONITOR_METRICS.interval, "Seconds between two readings (MONITOR_INTERVAL_SECONDS)");
  readonly eventsWritten = new Counter({
    name: "ytrader_monitor_events_written_total",
    help: "State changes the monitor wrote to its events table, by subject",
    labelNames: ["subject"],
    registers: [this.registry],
  });

  /** Reported reconnect count last seen, to turn ws-gateway's running count into counter increases. */
  private lastReported: number | null = null;

  constructor(options: { processMetrics?: boolean } = {}) {
    // process_cpu_seconds_total and friends: the monitor's own cost, under their standard names. The
    // event-loop lag histogram samples every 10 ms by default, which alone costs ~0.4 % of a core here
    // (measured: 8 clock ticks in 20 s idle); once a second is plenty for a process that wakes every 15 s.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
  }

  private gauge(name: string, help: string, labelNames: readonly string[] = []) {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  service(reading: ServiceReading): void {
    const labels = { service: reading.service };
    this.serviceUp.set(labels, reading.body ? 1 : 0);
    this.serviceStatus.set(labels, SERVICE_STATES.indexOf(reading.state));
    this.source(reading.service, reading.seconds, reading.state === "unreachable" || !reading.body);
  }

  /** The link as read now; null when ws-gateway did not say (its series are removed). */
  link(link: LinkReading | null, now: Date, observedReconnect: boolean): void {
    const labels = { service: "ws-gateway" };
    if (!link) {
      for (const gauge of [this.linkState, this.heartbeatAge, this.messageLag]) gauge.remove(labels);
      return;
    }
    this.linkState.set(labels, LINK_STATES.indexOf(link.state));
    if (link.reportedReconnects !== null) {
      const increase = this.lastReported === null ? 0 : link.reportedReconnects >= this.lastReported ? link.reportedReconnects - this.lastReported : link.reportedReconnects;
      this.lastReported = link.reportedReconnects;
      this.reconnects.inc(labels, increase);
    } else {
      this.reconnects.inc(labels, observedReconnect ? 1 : 0);
    }
    const age = (at: Date | null, gauge: Gauge) => (at ? gauge.set(labels, Math.max(0, (now.getTime() - at.getTime()) / 1000)) : gauge.remove(labels));
    age(link.lastHeartbeat, this.heartbeatAge);
    age(link.lastMessageAt, this.messageLag);
  }

  training(training: TrainingReading | null): void {
    const labels = { service: "model-service" };
    if (!training) {
      this.trainingInProgress.remove(labels);
      this.trainingQueue.remove(labels);
      return;
    }
    this.trainingInProgress.set(labels, training.inProgress ? 1 : 0);
    this.trainingQueue.set(labels, training.queueSize);
  }

  /** The database figures; null when they could not be read (their series are removed). */
  database(figures: DatabaseFigures | null, window: string, windowSeconds: number): void {
    this.windowSeconds.set(windowSeconds);
    const labels = { window };
    const stamp = (table: string, at: Date | null) => (at ? this.lastRow.set({ table }, at.getTime() / 1000) : this.lastRow.remove({ table }));
    if (!figures) {
      for (const gauge of [this.signalsRecent, this.ordersRecent, this.rejectedRecent]) gauge.remove(labels);
      for (const table of ["trading_signals", "orders"]) this.lastRow.remove({ table });
      return;
    }
    this.signalsRecent.set(labels, figures.signals);
    this.ordersRecent.set(labels, figures.orders);
    this.rejectedRecent.set(labels, figures.rejectedOrders);
    stamp("trading_signals", figures.lastSignalAt);
    stamp("orders", figures.lastOrderAt);
  }

  source(name: string, seconds: number, failed: boolean): void {
    this.sourceDuration.set({ source: name }, seconds);
    this.sourceErrors.inc({ source: name }, failed ? 1 : 0);
    this.sourceUp.set({ source: name }, failed ? 0 : 1);
  }

  cycle(seconds: number, endedAt: Date, intervalSeconds: number): void {
    this.cycleDuration.set(seconds);
    this.lastCycle.set(endedAt.getTime() / 1000);
    this.interval.set(intervalSeconds);
  }
}
