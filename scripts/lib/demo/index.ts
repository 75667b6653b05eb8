// The demo trading system in one call: schema, on an empty database a backfilled recent history,
// RabbitMQ topology and traffic, the four HTTP services on their real ports, the live activity, and the
// control route that switches faults on and off.
import postgres from "postgres";
import type { Config, ServiceName } from "../config.ts";
import type { ServicePorts } from "./services.ts";
import { badInput } from "../errors.ts";
import { openAdmin } from "../postgres.ts";
import { stackPorts } from "../stack/stack-paths.ts";
import { type DemoShape, applyDemoSchema, createLegacyMonitorRole, demoShape } from "./schema.ts";
import { BACKFILL_HOURS, backfillDemo, describeBackfill } from "./backfill.ts";
import { type Activity, activityErrorLog, startActivity } from "./activity.ts";
import { QUEUES, type RabbitTraffic, amqpUrl, startRabbitTraffic } from "./rabbitmq.ts";
import { type DemoServices, startServices } from "./services.ts";
import { startControl } from "./control.ts";
import { type DemoState, newDemoState } from "./state.ts";

export interface DemoOptions {
  config: Config;
  /** Ports of the four services; by default the ones in the settings (the real ports). */
  ports?: ServicePorts;
  /** Default the stack's control port (STACK_DEMO_CONTROL_PORT, else 4999), the one `demo fault` reaches. */
  controlPort?: number;
  pace?: number;
  /** The schema shape to build and write (default the newest). */
  schema?: DemoShape;
  /** Hours of history to backfill on an empty database (backfill.ts; default 24, 0 = none). */
  backfillHours?: number;
  richWebsocketState?: boolean;
  /** Also create GRAFANA_POSTGRES_USER as the trading system's own migration leaves it: SELECT on every
   *  table, no limits (for trying the role step's convergence). */
  legacyMonitorRole?: boolean;
  /** Where the services listen (default loopback; a container needs 0.0.0.0). The control route stays on loopback. */
  listenHost?: string;
  /** A RabbitMQ vhost other than "/" (tests use one of their own). */
  vhost?: string;
  log?: (line: string) => void;
}

export interface Demo {
  state: DemoState;
  sql: postgres.Sql;
  activity: Activity;
  traffic: RabbitTraffic;
  services: DemoServices;
  controlUrl: string;
  stop(): Promise<void>;
}

export function portsFromConfig(config: Config): Record<ServiceName, number> {
  return Object.fromEntries(
    Object.entries(config.services).map(([name, service]) => [name, Number(new URL(service.url).port)]),
  ) as Record<ServiceName, number>;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { config } = options;
  const log = options.log ?? (() => {});
  const state = newDemoState({ richWebsocketState: options.richWebsocketState });
  const sql = openAdmin(config);
  const shape = options.schema ?? demoShape();
  for (const upgraded of await applyDemoSchema(sql, shape)) log(`schema upgraded: ${upgraded}`);
  log(`schema ready in ${config.postgres.database} (${shape} shape)`);
  // The newest system's ws-gateway reports its link in flat fields too.
  state.websocket.flatFields = shape === "newest";
  if (options.legacyMonitorRole) {
    if (!config.monitorRole.password) throw badInput("--legacy-monitor-role needs GRAFANA_POSTGRES_PASSWORD");
    await createLegacyMonitorRole(sql, { role: config.monitorRole.user, password: config.monitorRole.password });
    log(`role ${config.monitorRole.user} as the trading system's migration leaves it (SELECT on every table)`);
  }
  // Before the control route answers: `stack up` returns once the history is there.
  const backfillHours = options.backfillHours ?? BACKFILL_HOURS;
  if (backfillHours > 0) log(describeBackfill(await backfillDemo(sql, { hours: backfillHours })));

  const traffic = await startRabbitTraffic({ amqpUrl: amqpUrl(config.rabbitmq, options.vhost), pace: options.pace });
  log("RabbitMQ topology declared, traffic running");

  const apiKeys = Object.fromEntries(
    Object.entries(config.services).map(([name, service]) => [name, service.apiKey ?? ""]),
  ) as Record<ServiceName, string>;
  const services = await startServices({ sql, state, ports: options.ports ?? portsFromConfig(config), apiKeys, host: options.listenHost });
  for (const [name, url] of Object.entries(services.urls)) log(`${name} on ${url}`);

  // RabbitMQ lag knobs are faults too: "backlog:<queue>" and "slow-consumer:<queue>".
  const extra: Record<string, (on: boolean) => Promise<void>> = {};
  // Every queue that has a consumer in reality can be made to lag.
  for (const { name: queue } of QUEUES.filter((q) => q.consumer !== null)) {
    extra[`backlog:${queue}`] = (on) => (on ? traffic.backlog(queue, 1500) : traffic.resumeConsumer(queue));
    extra[`slow-consumer:${queue}`] = (on) => (on ? traffic.slowConsumer(queue, 0.05) : traffic.resumeConsumer(queue));
  }
  const control = startControl({ port: options.controlPort ?? stackPorts().demoControl, state, services, extra });
  log(`control route on ${control.url}`);

  const activity = await startActivity({ sql, state, publisher: traffic, pace: options.pace, onError: activityErrorLog(log) });
  log(`activity running at pace ${options.pace ?? 1}`);

  return {
    state,
    sql,
    activity,
    traffic,
    services,
    controlUrl: control.url,
    async stop() {
      await activity.stop();
      control.stop();
      await services.stop();
      await traffic.stop();
      await sql.end();
    },
  };
}
