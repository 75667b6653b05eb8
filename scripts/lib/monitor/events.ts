// The monitor's events: one row per state change of a subject (each service, the exchange link,
// model training) in MONITORING_SCHEMA's events table, written as the writer role.
//
// Only changes are written: a subject's new state is compared with its last row, so rows stay bounded
// however long nothing changes, and a restarted monitor (which reads the last row per subject first)
// does not repeat it. Two monitors at once: every write takes one transaction-level advisory lock and
// compares with the table's last row again under it, so the second of two monitors that saw the same
// change finds it written and writes nothing. A unique constraint could not say this: (subject, state)
// must repeat (healthy, unhealthy, healthy again), and only "not the same as the row before" is a
// duplicate, which is a property of the sequence, not of a row.
import postgres from "postgres";
import { hostname } from "node:os";
import type { Config } from "../config.ts";
import { EVENTS_TABLE } from "../role/monitoring-schema.ts";
import type { LinkReading, ServiceReading, TrainingReading } from "./sources.ts";

export const LINK_SUBJECT = "exchange-link";
export const TRAINING_SUBJECT = "model-training";
export type TrainingState = "started" | "completed";

export interface MonitorEvent {
  at: Date;
  subject: string;
  state: string;
  /** In the words of the event history (service_unreachable, websocket_reconnecting, model_training_started). */
  eventType: string;
  /** The service the event history files it under. */
  service: string;
  detail: string;
  reconnectCount?: number | null;
  lastError?: string | null;
  modelVersion?: string | null;
}

/** The last event of a subject, as far as comparing goes. */
export interface LastEvent {
  state: string;
  reconnectCount: number | null;
  /** When it happened (UTC); a reading older than this is not written. */
  at?: Date;
}

export function serviceEvent(at: Date, reading: ServiceReading): MonitorEvent {
  const detail = reading.state === "healthy" ? "answers healthy" : (reading.reason ?? reading.state);
  return { at, subject: reading.service, state: reading.state, eventType: `service_${reading.state}`, service: reading.service, detail };
}

export function linkEvent(at: Date, link: LinkReading, reconnects: { count: number; reported: boolean }): MonitorEvent {
  const counted = reconnects.reported ? "reported by ws-gateway" : "counted by the monitor: ws-gateway does not expose its own count";
  const error = link.lastError ? `; last error: ${link.lastError}` : "";
  return {
    at,
    subject: LINK_SUBJECT,
    state: link.state,
    eventType: `websocket_${link.state}`,
    service: "ws-gateway",
    detail: `exchange link ${link.state}, ${reconnects.count} reconnect(s) (${counted})${error}`,
    reconnectCount: reconnects.count,
    lastError: link.lastError,
  };
}

export function trainingEvent(at: Date, state: TrainingState, training: TrainingReading | null): MonitorEvent {
  const what = training?.strategyId ? ` for ${training.strategyId}` : "";
  return {
    at,
    subject: TRAINING_SUBJECT,
    state,
    eventType: `model_training_${state}`,
    service: "model-service",
    detail: state === "started" ? `training started${what}` : "training completed",
    modelVersion: training?.modelVersion ?? null,
  };
}

/** Training's event for this reading, given the last one: started when it trains and the last event is not
 *  "started"; completed when it no longer trains after "started"; nothing otherwise. */
export function trainingChange(last: LastEvent | undefined, training: TrainingReading): TrainingState | null {
  if (training.inProgress) return last?.state === "started" ? null : "started";
  return last?.state === "started" ? "completed" : null;
}

/** The link's reconnect count for its events: ws-gateway's own when it exposes one, else the monitor's,
 *  carried on from the last event and counting each return to connected from another state. */
export function nextReconnects(link: LinkReading, last: LastEvent | undefined): { count: number; reported: boolean } {
  if (link.reportedReconnects !== null) return { count: link.reportedReconnects, reported: true };
  const before = last?.reconnectCount ?? 0;
  const back = link.state === "connected" && last !== undefined && last.state !== "connected";
  return { count: before + (back ? 1 : 0), reported: false };
}

/** Who wrote a row: host and pid, so that two monitors' rows can be told apart. */
const WRITER = `${hostname()}:${process.pid}`;

export class EventStore {
  private constructor(
    /** The writer's one connection: the order buckets (order-buckets.ts) are written through it too. */
    readonly sql: postgres.Sql,
    private readonly schema: string,
  ) {}

  /** The writer role's connection (MONITOR_POSTGRES_USER); UTC like every time of the trading system. */
  static open(config: Config, overrides: { user?: string; password?: string } = {}): EventStore {
    const pg = config.postgres;
    const sql = postgres({
      host: pg.host,
      port: pg.port,
      database: pg.database,
      user: overrides.user ?? config.monitor.writerUser,
      password: overrides.password ?? config.monitor.writerPassword,
      max: 1,
      connect_timeout: 5,
      idle_timeout: 60,
      onnotice: () => {},
      connection: { TimeZone: "UTC", application_name: "ytrader-monitoring monitor" },
    });
    return new EventStore(sql, config.monitor.schema);
  }

  private get table() {
    return this.sql`${this.sql(this.schema)}.${this.sql(EVENTS_TABLE)}`;
  }

  /** The last event of every subject (or of the given ones), from the table. */
  async lastEvents(subjects?: string[], sql: postgres.Sql = this.sql): Promise<Map<string, LastEvent>> {
    const rows = await sql<{ subject: string; state: string; reconnect_count: number | null; occurred_at: string }[]>`
      SELECT DISTINCT ON (subject) subject, state, reconnect_count, occurred_at::text
      FROM ${sql(this.schema)}.${sql(EVENTS_TABLE)}
      ${subjects ? sql`WHERE subject IN ${sql(subjects)}` : sql``}
      ORDER BY subject, id DESC`;
    return new Map(rows.map((row) => [row.subject, { state: row.state, reconnectCount: row.reconnect_count, at: fromUtc(row.occurred_at) }]));
  }

  /** Writes the events whose state differs from their subject's last row, under the advisory lock so that
   *  two monitors cannot both write one change. Returns the events written and the last event of each of
   *  their subjects as the table now has it. */
  async record(events: MonitorEvent[]): Promise<{ written: MonitorEvent[]; last: Map<string, LastEvent> }> {
    if (!events.length) return { written: [], last: new Map() };
    return this.sql.begin(async (tx) => {
      const sql = tx as unknown as postgres.Sql;
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`${this.schema}.${EVENTS_TABLE}`}))`;
      const last = await this.lastEvents([...new Set(events.map((e) => e.subject))], sql);
      const fresh: MonitorEvent[] = [];
      for (const event of events) {
        const before = last.get(event.subject);
        // Another monitor wrote this change already, or a newer reading than this one.
        if (before?.state === event.state || (before?.at && before.at >= event.at)) continue;
        fresh.push(event);
        last.set(event.subject, { state: event.state, reconnectCount: event.reconnectCount ?? null, at: event.at });
      }
      if (fresh.length) {
        const rows = fresh.map((e) => ({
          occurred_at: utc(e.at),
          subject: e.subject,
          state: e.state,
          event_type: e.eventType,
          service: e.service,
          detail: e.detail,
          reconnect_count: e.reconnectCount ?? null,
          last_error: e.lastError ?? null,
          model_version: e.modelVersion ?? null,
          monitor: WRITER,
        }));
        await sql`INSERT INTO ${sql(this.schema)}.${sql(EVENTS_TABLE)} ${sql(rows)}`;
      }
      return { written: fresh, last };
    });
  }

  /** Deletes rows older than `days`, at most `batchSize` per statement and `maxBatches` statements, so that
   *  no run holds locks or writes WAL without bound; what is left goes in the next run. Returns the count. */
  async deleteOlderThan(days: number, options: { batchSize?: number; maxBatches?: number; now?: Date } = {}): Promise<number> {
    const batchSize = options.batchSize ?? 1000;
    const maxBatches = options.maxBatches ?? 100;
    const cutoff = utc(new Date((options.now ?? new Date()).getTime() - days * 86_400_000));
    let deleted = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const result = await this.sql`
        DELETE FROM ${this.table} WHERE id IN (
          SELECT id FROM ${this.table} WHERE occurred_at < ${cutoff}::timestamp ORDER BY occurred_at LIMIT ${batchSize})`;
      deleted += result.count;
      if (result.count < batchSize) break;
    }
    return deleted;
  }

  close(): Promise<void> {
    return this.sql.end({ timeout: 2 });
  }
}

/** A time as the text of a UTC TIMESTAMP without time zone, and such a text (`::text`) back. */
export const utc = (date: Date) => date.toISOString().replace("T", " ").replace("Z", "");
export const fromUtc = (text: string) => new Date(`${text.replace(" ", "T")}Z`);
