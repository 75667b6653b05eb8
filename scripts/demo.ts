import { defineCommand } from "citty";
import { BadInputError, EXIT } from "./lib/errors.ts";
import { envFileArg, exitWith, jsonArg, runCommand, stepLine } from "./lib/cli.ts";
import { type Config, SERVICE_NAMES, type ServiceName, isPostgresName } from "./lib/config.ts";
import { localOrGivenConfig } from "./lib/stack.ts";
import { DEFAULT_CONTROL_PORT, createDatabaseIfMissing, demoSql, startDemo } from "./lib/demo/index.ts";
import { applyDemoSchema } from "./lib/demo/schema.ts";
import { seedDemo } from "./lib/demo/seed.ts";
import { sendFault } from "./lib/demo/control.ts";
import { runSoak } from "./lib/demo/soak.ts";

/** The demo's settings. It writes fake trading activity, so it never picks up ./.env (which may be the
 *  real system's) by itself: an explicit --env-file, else the environment, else the local stack. */
function demoConfig(envFile: string | undefined): Promise<Config> {
  return localOrGivenConfig(envFile, ["POSTGRES_PASSWORD", "RABBITMQ_PASSWORD"], ["postgres", "rabbitmq"]);
}

const pace = { pace: { type: "string", valueHint: "n", description: "Speed: 1 = realistic, about one signal a second (default 1)" } } as const;
const parsePace = (value: string | undefined) => {
  const n = Number(value ?? 1);
  if (!(n > 0 && n <= 100)) throw new BadInputError(`--pace must be a number in (0, 100], got ${JSON.stringify(value)}`);
  return n;
};
const positive = (name: string, value: string | undefined, fallback?: number) => {
  const n = value === undefined ? fallback : Number(value);
  if (n === undefined || !Number.isInteger(n) || n < 0) throw new BadInputError(`--${name} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  return n;
};

const run = defineCommand({
  meta: { name: "run", description: "Run the demo trading system until stopped: schema, queues, services on their ports, activity" },
  args: {
    ...envFileArg,
    ...pace,
    "rich-websocket": { type: "boolean", description: "ws-gateway /health also carries the newer websocket_state object" },
    "legacy-monitor-role": {
      type: "boolean",
      description: "Also create GRAFANA_POSTGRES_USER as the real system's migration does (SELECT on every table, no limits)",
    },
    "control-port": { type: "string", valueHint: "port", description: `Loopback port of the fault control route (default ${DEFAULT_CONTROL_PORT})` },
    "listen-host": {
      type: "string",
      valueHint: "address",
      description: "Address the four services listen on (default 127.0.0.1; 0.0.0.0 in a container, so that Grafana's container reaches them)",
    },
  },
  run: ({ args }) =>
    exitWith(async () => {
      const config = await demoConfig(args["env-file"]);
      const demo = await startDemo({
        config,
        listenHost: args["listen-host"],
        pace: parsePace(args.pace),
        richWebsocketState: args["rich-websocket"],
        legacyMonitorRole: args["legacy-monitor-role"],
        controlPort: positive("control-port", args["control-port"], DEFAULT_CONTROL_PORT),
        log: (line) => console.log(line),
      });
      console.log("demo running; Ctrl-C stops it");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await demo.stop();
      console.log(`stopped after ${demo.activity.stats.signals} signals, ${demo.activity.stats.orders} orders`);
    }),
});

const seed = defineCommand({
  meta: { name: "seed", description: "Bulk-load consistent history with COPY (for benchmarks): signals, orders and the rest" },
  args: {
    ...envFileArg,
    ...jsonArg,
    signals: { type: "string", valueHint: "n", required: true, description: "Trading signals to load" },
    orders: { type: "string", valueHint: "n", description: "Orders to load, one per signal at most (default: as many as signals)" },
    days: { type: "string", valueHint: "n", description: "Spread the rows over the last n days (default 30)" },
    database: {
      type: "string",
      valueHint: "name",
      description: "Load into this database, created when missing (default POSTGRES_DB; it must hold no history yet)",
    },
  },
  run: ({ args }) =>
    exitWith(async () => {
      const signals = positive("signals", args.signals);
      const orders = positive("orders", args.orders, signals);
      if (orders > signals) throw new BadInputError(`--orders (${orders}) cannot exceed --signals (${signals}): at most one order per signal`);
      const settings = await demoConfig(args["env-file"]);
      const database = args.database ?? settings.postgres.database;
      if (!isPostgresName(database)) throw new BadInputError(`--database must be a PostgreSQL name (not empty, at most 63 bytes), got ${JSON.stringify(database)}`);
      const config = { ...settings, postgres: { ...settings.postgres, database } };
      await createDatabaseIfMissing(settings, database);
      const sql = demoSql(config);
      try {
        // stderr: --json keeps stdout for the report.
        for (const upgraded of await applyDemoSchema(sql)) console.error(`schema upgraded: ${upgraded}`);
        const report = await seedDemo(sql, { signals, orders, days: positive("days", args.days, 30) });
        if (args.json) return console.log(JSON.stringify(report));
        for (const row of report.tables) console.log(stepLine(row.table, `${row.rows} rows`, `${row.seconds.toFixed(1)}s, ${Math.round(row.rowsPerSecond)} rows/s`));
      } finally {
        await sql.end();
      }
    }),
});

const controlUrlArg = {
  "control-url": { type: "string", description: `The running demo's control route (default http://127.0.0.1:${DEFAULT_CONTROL_PORT})` },
} as const;
const controlUrl = (value: string | undefined) => value ?? `http://127.0.0.1:${DEFAULT_CONTROL_PORT}`;

const fault = defineCommand({
  meta: {
    name: "fault",
    description:
      "Switch a fault on (or off with --off) in the running demo. Service faults (need --service): down, unhealthy, degraded, slow, error500, garbage. System faults: database, queue, websocket (reconnect cycling), backlog:<queue>, slow-consumer:<queue>",
  },
  args: {
    name: { type: "positional", required: true, description: "The fault" },
    service: { type: "string", description: "ws-gateway, model-service, order-manager or position-manager" },
    off: { type: "boolean", description: "Clear this fault" },
    ...controlUrlArg,
  },
  run: ({ args }) =>
    exitWith(async () => {
      const service = args.service as ServiceName | undefined;
      if (service !== undefined && !SERVICE_NAMES.includes(service)) {
        throw new BadInputError(`--service must be one of ${SERVICE_NAMES.join(", ")}, got ${JSON.stringify(args.service)}`);
      }
      const answer = await sendFault(controlUrl(args["control-url"]), { fault: args.name, service, on: !args.off });
      console.log(JSON.stringify(answer));
    }),
});

const clear = defineCommand({
  meta: { name: "clear", description: "Clear every fault of the running demo" },
  args: { ...controlUrlArg },
  run: ({ args }) =>
    exitWith(async () => {
      console.log(JSON.stringify(await sendFault(controlUrl(args["control-url"]), { clear: true })));
    }),
});

const soak = defineCommand({
  meta: { name: "soak", description: "Run the activity alone in a scratch database and report every failed statement (exit 1 if any)" },
  args: {
    ...envFileArg,
    ...pace,
    minutes: { type: "string", valueHint: "n", description: "How long (default 10)" },
  },
  run: ({ args }) =>
    exitWith(async () => {
      const config = await demoConfig(args["env-file"]);
      const result = await runSoak(config, { minutes: Number(args.minutes ?? 10), pace: parsePace(args.pace), log: (line) => console.log(line) });
      console.log(JSON.stringify(result.stats));
      return result.stats.errors.length ? EXIT.checkFailed : EXIT.ok;
    }),
});

export const demoCommand = defineCommand({
  meta: { name: "demo", description: "The demo trading system, for trying the toolkit without the real one." },
  // `bun run demo` alone (or with run's options only) runs the demo.
  default: "run",
  subCommands: { run, seed, fault, clear, soak },
});

if (import.meta.main) runCommand(demoCommand);
