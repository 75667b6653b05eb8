import { defineCommand } from "citty";
import { envFileArg, jsonArg, parseVariableArgs, repeatable, repeatedValues, runCommand } from "./lib/cli.ts";
import { loadConfig } from "./lib/config.ts";
import { needsOf } from "./lib/needs.ts";
import { panelJson, panelLine } from "./lib/check/report.ts";
import { checkEverything, checkExitCode } from "./lib/check/command.ts";
import { shapeLines } from "./lib/shapes/inspect.ts";
import { alertLine } from "./lib/check/alerts.ts";

export const checkCommand = defineCommand({
  meta: {
    name: "check",
    description:
      "Run every panel's query of every dashboard against its real source, as Grafana's server would (PostgreSQL as the read-only " +
      "role, the services and RabbitMQ over HTTP as Infinity does), with each dashboard's default time range and variables. " +
      "Works with Grafana down or absent. Then lists the alerts firing now in Prometheus (PROMETHEUS_URL): exit 5 when any fires and every panel answered.",
  },
  args: {
    ...envFileArg,
    ...jsonArg,
    dashboard: { type: "string", valueHint: "uid|title", description: "Only this dashboard" },
    panel: repeatable({ type: "string", valueHint: "title|id", description: "Only this panel (repeatable)" }),
    from: { type: "string", valueHint: "time", description: "Start of the range instead of the dashboard's (now-1h, an ISO time, epoch ms)" },
    to: { type: "string", valueHint: "time", description: "End of the range (default: the dashboard's, usually now)" },
    var: repeatable({ type: "string", valueHint: "name=value", description: "A variable's value instead of its default (repeatable; v1,v2 for several; $__all for All)" }),
    "ignore-alerts": {
      type: "boolean",
      description: "List the alerts firing, but exit as if none were (and pass when Prometheus does not answer): for a check of the panels alone",
    },
  },
  run: async ({ args, rawArgs }) => {
    const config = loadConfig({ envFile: args["env-file"], required: needsOf("check") });
    const panels = repeatedValues(rawArgs, "panel");
    const ignore = Boolean(args["ignore-alerts"]);
    const check = await checkEverything(config, {
      dashboard: args.dashboard,
      panels: panels.length ? panels : undefined,
      from: args.from,
      to: args.to,
      variables: parseVariableArgs(repeatedValues(rawArgs, "var")),
      onShape: args.json ? undefined : (shape) => shapeLines(shape, config.monitor.schema).forEach((line) => console.log(line)),
      onPanel: args.json ? undefined : (r) => console.log(panelLine(r)),
    });
    const { shape, result, alerts } = check;
    const failed = result.panels.filter((r) => !r.ok);
    if (args.json) {
      console.log(JSON.stringify({ ok: result.ok && shape.ok, shape, panels: result.panels.map(panelJson), alerts }));
    } else {
      console.log(`${result.panels.length} checked: ${result.panels.length - failed.length} ok, ${failed.length} failed`);
      if (!alerts.ok) console.log(`alerts  ${ignore ? "UNKNOWN" : "FAILED"}  ${alerts.error}`);
      else {
        for (const alert of alerts.firing) console.log(alertLine(alert));
        console.log(`${alerts.firing.length} alert(s) firing${alerts.firing.length && ignore ? " (ignored: --ignore-alerts)" : ""}`);
      }
    }
    return checkExitCode(check, ignore);
  },
});

if (import.meta.main) runCommand(checkCommand);
