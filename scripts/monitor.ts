import { defineCommand } from "citty";
import { envFileArg, runCommand } from "./lib/cli.ts";
import { loadConfig } from "./lib/config.ts";
import { needsOf } from "./lib/needs.ts";
import { SERVICE_STATUS_HELP, LINK_STATE_HELP } from "./lib/monitor/metrics.ts";
import { startMonitor } from "./lib/monitor/serve.ts";

export const monitorCommand = defineCommand({
  meta: {
    name: "monitor",
    description:
      "Run until stopped: every MONITOR_INTERVAL_SECONDS read each service's /health, model-service's training status, the exchange link, " +
      "the database figures (and the queues where RabbitMQ's own exporter is not reachable, MONITOR_QUEUE_SOURCE); serve /metrics (Prometheus) and /healthz on MONITOR_PORT; " +
      `write each state change as an event in MONITORING_SCHEMA as MONITOR_POSTGRES_USER. ${SERVICE_STATUS_HELP}. ${LINK_STATE_HELP}.`,
  },
  args: { ...envFileArg },
  run: async ({ args }) => {
    const config = loadConfig({ envFile: args["env-file"], required: needsOf("monitor") });
    const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
    const running = await startMonitor(config, { log });
    log(`monitor on ${running.url} (/metrics, /healthz), every ${config.monitor.intervalSeconds} s; events: ${running.monitor.health().events}`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await running.stop();
    log("monitor stopped");
  },
});

if (import.meta.main) runCommand(monitorCommand);
