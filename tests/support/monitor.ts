// A monitoring schema and writer role of their own for one test file, in the stack's trading database:
// the role step creates them exactly as `bun run role` does (MONITORING_SCHEMA and MONITOR_POSTGRES_USER
// set to names no other test uses), so a test never sees the stack monitor's events or another run's.
import postgres from "postgres";
import { type Config, loadConfig } from "../../scripts/lib/config.ts";
import { EVENTS_TABLE } from "../../scripts/lib/role/monitoring-schema.ts";
import { runRoleStep } from "../../scripts/lib/role/role-step.ts";
import { adminSql } from "./live.ts";

export interface MonitoringFixture {
  config: Config;
  schema: string;
  writer: string;
  password: string;
  admin: postgres.Sql;
  /** The events of a subject after id `after`, oldest first. */
  events(subject: string, after?: number): Promise<EventRow[]>;
  /** The highest event id now (0 when none). */
  mark(): Promise<number>;
  /** The config with more settings (a shorter interval, another queue source). */
  with(settings: Record<string, string>): Config;
  drop(): Promise<void>;
}

export interface EventRow {
  id: number;
  occurred_at: Date;
  subject: string;
  state: string;
  event_type: string;
  service: string;
  detail: string;
  reconnect_count: number | null;
  last_error: string | null;
  monitor: string;
}

export async function monitoringFixture(prefix: string, extra: Record<string, string> = {}): Promise<MonitoringFixture> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const schema = `t_${prefix}_${suffix}`;
  const writer = `t_${prefix}_writer_${suffix}`;
  const password = `pw'${suffix}"\\x`;
  const settingsFor = (more: Record<string, string>) =>
    loadConfig({
      envFile: "/dev/null",
      env: { ...process.env, MONITORING_SCHEMA: schema, MONITOR_POSTGRES_USER: writer, MONITOR_POSTGRES_PASSWORD: password, MONITOR_INTERVAL_SECONDS: "1", ...extra, ...more },
    });
  const config = settingsFor({});
  const step = await runRoleStep(config, { rabbitmq: Boolean(config.rabbitmq.monitorPassword) });
  if (!step.ok) throw new Error(`the role step failed: ${JSON.stringify([step.postgres.error, step.monitoring?.error, step.rabbitmq?.error])}`);
  const admin = await adminSql();
  return {
    config,
    schema,
    writer,
    password,
    admin,
    events: (subject, after = 0) =>
      admin<EventRow[]>`SELECT * FROM ${admin(schema)}.${admin(EVENTS_TABLE)} WHERE subject = ${subject} AND id > ${after} ORDER BY id`,
    mark: async () => {
      const [row] = await admin`SELECT coalesce(max(id), 0)::int AS id FROM ${admin(schema)}.${admin(EVENTS_TABLE)}`;
      return row!.id as number;
    },
    with: settingsFor,
    async drop() {
      await admin`DROP SCHEMA IF EXISTS ${admin(schema)} CASCADE`;
      await admin`DROP OWNED BY ${admin(writer)}`.catch(() => {});
      await admin`DROP ROLE IF EXISTS ${admin(writer)}`;
      await admin.end();
    },
  };
}
