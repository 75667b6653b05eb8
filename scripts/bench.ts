import { defineCommand } from "citty";
import { DEFAULT_DEMO_SHAPE, DEMO_SHAPES, parseDemoShape } from "./lib/demo/schema.ts";
import { badInput, EXIT } from "./lib/errors.ts";
import { envFileArg, jsonArg, runCommand } from "./lib/cli.ts";
import { demoTarget } from "./lib/demo/target.ts";
import type { IndexMode } from "./lib/bench/figures.ts";
import { runBench } from "./lib/bench/run.ts";
import { formatReport } from "./lib/bench/report.ts";
import { formatMonitorCpu, measureMonitorCpu } from "./lib/bench/monitor-cpu.ts";
import { formatPrometheusPanels, measurePrometheusPanels } from "./lib/bench/prometheus-panels.ts";
import { runRoleStep } from "./lib/role/role-step.ts";

const count = (name: string, value: string | undefined, fallback: number, min: number) => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < min) throw badInput(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  return n;
};

export const benchCommand = defineCommand({
  meta: {
    name: "bench",
    description:
      "Time every SQL panel of the dashboards as the read-only role at 10 million rows (and 1 million, to see growth), with and " +
      "without the indexes of sql/indexes.sql, beside the naive versions in sql/bench/, plus the whole main dashboard and the " +
      "database CPU of 10 viewers. Seeds bench_<size> databases with the demo bulk seed when missing (on the local stack, or on " +
      "--env-file FILE --scratch). Prints figures; a missed target is reported, not failed: exit 1 only when a panel query failed.",
  },
  args: {
    ...envFileArg,
    scratch: {
      type: "boolean",
      description: "The services --env-file names are scratch: seed the bench databases there (without it, only into the local stack's own)",
    },
    ...jsonArg,
    rows: { type: "string", valueHint: "n", description: "Trading signals and orders of the measured size (default 10000000)" },
    schema: { type: "string", valueHint: DEMO_SHAPES.join("|"), description: `Schema shape of the seeded databases (default ${DEFAULT_DEMO_SHAPE}; give each shape its own --database)` },
    "baseline-rows": { type: "string", valueHint: "n", description: "The smaller size compared with it, for growth (default 1000000; 0: none)" },
    runs: { type: "string", valueHint: "n", description: "Timed runs of each query and of the dashboard (default 20, at least 20 for p95)" },
    database: { type: "string", valueHint: "name", description: "Database of the measured size (default bench_10m); reused when its row counts match" },
    "baseline-database": { type: "string", valueHint: "name", description: "Database of the smaller size (default bench_1m)" },
    "with-indexes": { type: "boolean", description: "Only with the recommended indexes (default: without, then with)" },
    "without-indexes": { type: "boolean", description: "Only without them, as the real schema is (default: without, then with)" },
    viewers: { type: "string", valueHint: "n", description: "Viewers refreshing the main dashboard every minute (default 10)" },
    monitor: {
      type: "boolean",
      description: "Instead: the CPU of `bun run monitor` reading the stack's services at MONITOR_INTERVAL_SECONDS (default 15) and scraped as often (target < 1 % of one core)",
    },
    "monitor-seconds": { type: "string", valueHint: "n", description: "With --monitor: seconds measured after two warm-up readings (default 300)" },
    prometheus: {
      type: "boolean",
      description:
        "Instead: the main dashboard's Prometheus panels timed over 24 h and 30 days of history backfilled with promtool into a Prometheus of the bench's own, the series count, and the stack's Prometheus' series now",
    },
  },
  run: async ({ args }) => {
    if (args.prometheus) {
      const runs = count("runs", args.runs, 10, 1);
      const config = await demoTarget({ envFile: args["env-file"], scratch: args.scratch, log: (line) => console.error(line), components: ["postgres", "rabbitmq", "demo", "prometheus", "monitor"] });
      const figures = await measurePrometheusPanels(config, { runs, log: (line) => console.error(line) });
      console.log(args.json ? JSON.stringify({ prometheus: figures }) : formatPrometheusPanels(figures));
      return figures.windows.every((w) => w.panels.every((p) => !p.error)) ? EXIT.ok : EXIT.checkFailed;
    }
    if (args.monitor) {
      const seconds = count("monitor-seconds", args["monitor-seconds"], 300, 10);
      const config = await demoTarget({ envFile: args["env-file"], scratch: args.scratch, log: (line) => console.error(line), components: ["postgres", "rabbitmq", "demo"] });
      // The monitor reads the database as the read-only role and writes events as its writer: both converged first.
      const role = await runRoleStep(config, {});
      if (!role.ok) console.error(`role step failed (${role.postgres.error ?? role.monitoring?.error}): the monitor's database readings will fail`);
      const figures = await measureMonitorCpu(config, { seconds, log: (line) => console.error(line) });
      console.log(args.json ? JSON.stringify({ monitor: figures }) : formatMonitorCpu(figures));
      return EXIT.ok;
    }
    const rows = count("rows", args.rows, 10_000_000, 1_000);
    const baselineRows = count("baseline-rows", args["baseline-rows"], 1_000_000, 0);
    if (baselineRows >= rows) throw badInput(`--baseline-rows (${baselineRows}) must be smaller than --rows (${rows}), or 0`);
    const modes: IndexMode[] =
      args["with-indexes"] && !args["without-indexes"] ? ["with"] : args["without-indexes"] && !args["with-indexes"] ? ["without"] : ["without", "with"];
    // The seed writes demo history: only where the demo may write (the local stack's own services, or scratch ones).
    // The whole-dashboard loads also query the services and RabbitMQ over HTTP (the local stack's demo ones)
    // and the history panels Prometheus, which the monitor feeds.
    const config = await demoTarget({
      envFile: args["env-file"],
      scratch: args.scratch,
      log: (line) => console.error(line),
      components: ["postgres", "rabbitmq", "demo", "prometheus", "monitor"],
    });
    const report = await runBench(config, {
      rows,
      baselineRows: baselineRows || null,
      database: args.database,
      baselineDatabase: args["baseline-database"],
      runs: count("runs", args.runs, 20, 1),
      modes,
      viewers: count("viewers", args.viewers, 10, 1),
      schema: parseDemoShape(args.schema),
      log: (line) => console.error(line),
    });
    console.log(args.json ? JSON.stringify(report) : formatReport(report));
    return report.ok ? EXIT.ok : EXIT.checkFailed;
  },
});

if (import.meta.main) runCommand(benchCommand);
