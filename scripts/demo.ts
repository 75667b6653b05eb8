import { defineCommand } from "citty";
import { badInput, EXIT } from "./lib/errors.ts";
import { envFileArg, jsonArg, runCommand, stepLine } from "./lib/cli.ts";
import { SERVICE_NAMES, type ServiceName, isPostgresName } from "./lib/config.ts";
import { openDatabase } from "./lib/postgres.ts";
import { stackPorts } from "./lib/stack/stack-paths.ts";
import { startDemo } from "./lib/demo/index.ts";
import { BACKFILL_HOURS, backfillHours } from "./lib/demo/backfill.ts";
import { DEFAULT_DEMO_SHAPE, DEMO_SHAPES, applyDemoSchema, demoShape, parseDemoShape } from "./lib/demo/schema.ts";
import { seedDemo } from "./lib/demo/seed.ts";
import { SYSTEM_FAULTS, faultChanges, readFaults, sendFault } from "./lib/demo/control.ts";
import { SERVICE_FAULTS } from "./lib/demo/state.ts";
import { runSoak } from "./lib/demo/soak.ts";
import { demoTarget } from "./lib/demo/target.ts";

/** Where the demo writes: the local stack's own services, or --env-file FILE --scratch (target.ts). */
const targetArgs = {
  ...envFileArg,
  scratch: {
    type: "boolean",
    description: "The services --env-file names are scratch: write demo data there (without it, only the local stack's own services are written to)",
  },
} as const;
const target = (args: { "env-file"?: string; scratch?: boolean }) =>
  demoTarget({ envFile: args["env-file"], scratch: args.scratch, log: (line) => console.error(line) });

const pace = { pace: { type: "string", valueHint: "n", description: "Speed: 1 = realistic, about one signal a second (default 1)" } } as const;
const parsePace = (value: string | undefined) => {
  const n = Number(value ?? 1);
  if (!(n > 0 && n <= 100)) throw badInput(`--pace must be a number in (0, 100], got ${JSON.stringify(value)}`);
  return n;
};
const positive = (name: string, value: string | undefined, fallback?: number) => {
  const n = value === undefined ? fallback : Number(value);
  if (n === undefined || !Number.isInteger(n) || n < 0) throw badInput(`--${name} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  return n;
};

/** --schema: which shape of the trading system's schema the demo builds and writes (docs/schema-shapes.md);
 *  the stack's demo takes STACK_DEMO_SCHEMA. */
const schemaArg = {
  schema: {
    type: "string",
    valueHint: DEMO_SHAPES.join("|"),
    description: `Schema shape of the trading system: ${DEMO_SHAPES.join(" or ")} (default STACK_DEMO_SCHEMA, else ${DEFAULT_DEMO_SHAPE}); a newest database cannot go back to 2025-12`,
  },
} as const;
const parseSchema = (value: string | undefined) => (value === undefined ? demoShape() : parseDemoShape(value));

/** --backfill-hours: 0 (none) or a whole number of hours up to a week. */
const backfillHoursArg = (value: string | undefined) => {
  const hours = positive("backfill-hours", value, BACKFILL_HOURS);
  return hours === 0 ? 0 : backfillHours(hours, "--backfill-hours");
};

const run = defineCommand({
  meta: { name: "run", description: "Run the demo trading system until stopped: schema, queues, services on their ports, activity" },
  args: {
    ...targetArgs,
    ...pace,
    ...schemaArg,
    "backfill-hours": {
      type: "string",
      valueHint: "n",
      description: `On an empty database, first write the last n hours of history at the live rates (default ${BACKFILL_HOURS}; 0: none). A database with history is never backfilled`,
    },
    "rich-websocket": { type: "boolean", description: "ws-gateway /health also carries the newer websocket_state object" },
    "legacy-monitor-role": {
      type: "boolean",
      description: "Also create GRAFANA_POSTGRES_USER as the real system's migration does (SELECT on every table, no limits)",
    },
    "control-port": { type: "string", valueHint: "port", description: "Loopback port of the fault control route (default the stack's, STACK_DEMO_CONTROL_PORT, 4999)" },
    "listen-host": {
      type: "string",
      valueHint: "address",
      description: "Address the four services listen on (default 127.0.0.1; 0.0.0.0 in a container, so that Grafana's container reaches them)",
    },
  },
  run: async ({ args }) => {
    // Bad numbers are refused before anything starts.
    const options = {
      pace: parsePace(args.pace),
      schema: parseSchema(args.schema),
      backfillHours: backfillHoursArg(args["backfill-hours"]),
      controlPort: positive("control-port", args["control-port"], stackPorts().demoControl),
      richWebsocketState: args["rich-websocket"],
      legacyMonitorRole: args["legacy-monitor-role"],
      listenHost: args["listen-host"],
    };
    const demo = await startDemo({ ...options, config: await target(args), log: (line) => console.log(line) });
    console.log("demo running; Ctrl-C stops it");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await demo.stop();
    const { stats } = demo.activity;
    console.log(`stopped after ${stats.signals} signals, ${stats.orders} orders, ${stats.errorCount} failed statement(s)`);
  },
});

const seed = defineCommand({
  meta: { name: "seed", description: "Bulk-load consistent history with COPY (for benchmarks): signals, orders and the rest" },
  args: {
    ...targetArgs,
    ...jsonArg,
    ...schemaArg,
    signals: { type: "string", valueHint: "n", required: true, description: "Trading signals to load" },
    orders: { type: "string", valueHint: "n", description: "Orders to load, one per signal at most (default: as many as signals)" },
    days: { type: "string", valueHint: "n", description: "Spread the rows over the last n days (default 30)" },
    database: {
      type: "string",
      valueHint: "name",
      description: "Load into this database, created when missing (default POSTGRES_DB; it must hold no history yet)",
    },
  },
  run: async ({ args }) => {
    const signals = positive("signals", args.signals);
    const orders = positive("orders", args.orders, signals);
    if (orders > signals) throw badInput(`--orders (${orders}) cannot exceed --signals (${signals}): at most one order per signal`);
    const days = positive("days", args.days, 30);
    const shape = parseSchema(args.schema);
    if (args.database !== undefined && !isPostgresName(args.database)) {
      throw badInput(`--database must be a PostgreSQL name (not empty, at most 63 bytes), got ${JSON.stringify(args.database)}`);
    }
    const settings = await target(args);
    const sql = await openDatabase(settings, args.database ?? settings.postgres.database);
    try {
      // stderr: --json keeps stdout for the report.
      for (const upgraded of await applyDemoSchema(sql, shape)) console.error(`schema upgraded: ${upgraded}`);
      const report = await seedDemo(sql, { signals, orders, days });
      if (args.json) return console.log(JSON.stringify(report));
      for (const row of report.tables) console.log(stepLine(row.table, `${row.rows} rows`, `${row.seconds.toFixed(1)}s, ${Math.round(row.rowsPerSecond)} rows/s`));
    } finally {
      await sql.end();
    }
  },
});

const controlUrlArg = {
  "control-url": { type: "string", description: "The running demo's control route (default the stack's: http://127.0.0.1:STACK_DEMO_CONTROL_PORT, 4999)" },
} as const;
const controlUrl = (value: string | undefined) => value ?? `http://127.0.0.1:${stackPorts().demoControl}`;

const fault = defineCommand({
  meta: {
    name: "fault",
    description: `Switch a fault on (or off with --off) in the running demo and print what changed. Service faults (need --service): ${SERVICE_FAULTS.join(", ")}. System faults: ${SYSTEM_FAULTS.join(", ")} (reconnect cycling), backlog:<queue>, slow-consumer:<queue>`,
  },
  args: {
    name: { type: "positional", required: true, description: "The fault" },
    service: { type: "string", description: SERVICE_NAMES.join(", ") },
    off: { type: "boolean", description: "Clear this fault" },
    ...controlUrlArg,
  },
  run: async ({ args }) => {
    const service = args.service as ServiceName | undefined;
    if (service !== undefined && !SERVICE_NAMES.includes(service)) {
      throw badInput(`--service must be one of ${SERVICE_NAMES.join(", ")}, got ${JSON.stringify(args.service)}`);
    }
    const url = controlUrl(args["control-url"]);
    const before = await readFaults(url);
    const after = await sendFault(url, { fault: args.name, service, on: !args.off });
    printChanges(faultChanges(before, after), `${args.name}${service ? ` on ${service}` : ""} was already ${args.off ? "off" : "on"}`);
  },
});

const clear = defineCommand({
  meta: { name: "clear", description: "Clear every fault of the running demo and print what changed" },
  args: { ...controlUrlArg },
  run: async ({ args }) => {
    const url = controlUrl(args["control-url"]);
    const before = await readFaults(url);
    printChanges(faultChanges(before, await sendFault(url, { clear: true })), "no fault was on");
  },
});

function printChanges(changes: string[], unchanged: string) {
  if (!changes.length) console.log(`no change: ${unchanged}`);
  for (const change of changes) console.log(change);
}

const soak = defineCommand({
  meta: { name: "soak", description: "Run the activity alone in a scratch database and report every failed statement (exit 1 if any)" },
  args: {
    ...targetArgs,
    ...pace,
    minutes: { type: "string", valueHint: "n", description: "How long (default 10)" },
  },
  run: async ({ args }) => {
    const minutes = Number(args.minutes ?? 10);
    if (!(minutes > 0 && minutes <= 24 * 60)) throw badInput(`--minutes must be a number in (0, 1440], got ${JSON.stringify(args.minutes)}`);
    const pace = parsePace(args.pace);
    const config = await target(args);
    const result = await runSoak(config, { minutes, pace, log: (line) => console.log(line) });
    console.log(JSON.stringify(result.stats));
    return result.stats.errorCount ? EXIT.checkFailed : EXIT.ok;
  },
});

export const demoCommand = defineCommand({
  meta: { name: "demo", description: "The demo trading system, for trying the toolkit without the real one." },
  // `bun run demo` alone (or with run's options only) runs the demo.
  default: "run",
  subCommands: { run, seed, fault, clear, soak },
});

if (import.meta.main) runCommand(demoCommand);
