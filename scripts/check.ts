import { defineCommand } from "citty";
import { EXIT } from "./lib/errors.ts";
import { envFileArg, jsonArg, parseVariableArgs, repeatable, repeatedValues, runCommand } from "./lib/cli.ts";
import { loadConfig } from "./lib/config.ts";
import { needsOf } from "./lib/needs.ts";
import { panelJson, panelLine } from "./lib/check/report.ts";
import { runCheck } from "./lib/check/run.ts";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";

export const checkCommand = defineCommand({
  meta: {
    name: "check",
    description:
      "Run every panel's query of every dashboard against its real source, as Grafana's server would (PostgreSQL as the read-only " +
      "role, the services and RabbitMQ over HTTP as Infinity does), with each dashboard's default time range and variables. " +
      "Works with Grafana down or absent.",
  },
  args: {
    ...envFileArg,
    ...jsonArg,
    dashboard: { type: "string", valueHint: "uid|title", description: "Only this dashboard" },
    panel: repeatable({ type: "string", valueHint: "title|id", description: "Only this panel (repeatable)" }),
    from: { type: "string", valueHint: "time", description: "Start of the range instead of the dashboard's (now-1h, an ISO time, epoch ms)" },
    to: { type: "string", valueHint: "time", description: "End of the range (default: the dashboard's, usually now)" },
    var: repeatable({ type: "string", valueHint: "name=value", description: "A variable's value instead of its default (repeatable; v1,v2 for several; $__all for All)" }),
  },
  run: async ({ args, rawArgs }) => {
    const config = loadConfig({ envFile: args["env-file"], required: needsOf("check") });
    const panels = repeatedValues(rawArgs, "panel");
    const result = await runCheck(config, {
      dashboards: dashboardDefinitions(),
      datasources: datasourceDefinitions(config),
      dashboard: args.dashboard,
      panels: panels.length ? panels : undefined,
      from: args.from,
      to: args.to,
      variables: parseVariableArgs(repeatedValues(rawArgs, "var")),
      onPanel: args.json ? undefined : (r) => console.log(panelLine(r)),
    });
    const failed = result.panels.filter((r) => !r.ok);
    if (args.json) {
      console.log(JSON.stringify({ ok: result.ok, panels: result.panels.map(panelJson) }));
    } else {
      console.log(`${result.panels.length} checked: ${result.panels.length - failed.length} ok, ${failed.length} failed`);
    }
    return result.ok ? EXIT.ok : EXIT.checkFailed;
  },
});

if (import.meta.main) runCommand(checkCommand);
