import { defineCommand } from "citty";
import { EXIT } from "./lib/errors.ts";
import { envFileArg, jsonArg, parseVariableArgs, repeatable, repeatedValues, runCommand } from "./lib/cli.ts";
import { loadConfig } from "./lib/config.ts";
import { needsOf } from "./lib/needs.ts";
import { DEFAULT_OUT, type PreviewResult, runPreview } from "./lib/preview/run.ts";
import { dashboardDefinitions, datasourceDefinitions, renderingOf } from "../grafana/index.ts";

function report(result: PreviewResult) {
  for (const dashboard of result.dashboards) {
    const failed = dashboard.panels.filter((p) => p.error);
    const verdict = failed.length ? `${failed.length} of ${dashboard.panels.length} panels in error state` : `${dashboard.panels.length} panels`;
    console.log(`${dashboard.title}: ${verdict}`);
    for (const panel of failed) console.log(`    ${panel.panel}: ${panel.error!.split("\n").join("; ")}`);
    console.log(`    ${dashboard.png}`);
    console.log(`    ${dashboard.html}`);
  }
  console.log(`${result.dashboards.length} dashboard(s) drawn in ${(result.ms / 1000).toFixed(1)} s`);
}

export const previewCommand = defineCommand({
  meta: {
    name: "preview",
    description:
      "Draw every dashboard from its live data with Grafana's own panel components (@grafana/ui) in headless Chromium, in Grafana's dark " +
      "theme: one PNG and its HTML page per dashboard. Queries run as `check` runs them. The first run installs the preview's packages " +
      "(about 450 MB, in preview/) and, as root on Debian, chromium and fonts-inter.",
  },
  args: {
    ...envFileArg,
    ...jsonArg,
    dashboard: { type: "string", valueHint: "uid|title", description: "Only this dashboard" },
    out: { type: "string", valueHint: "dir", description: `Where the pictures and pages go (default ./${DEFAULT_OUT})` },
    from: { type: "string", valueHint: "time", description: "Start of the range instead of the dashboard's (now-1h, an ISO time, epoch ms)" },
    to: { type: "string", valueHint: "time", description: "End of the range (default: the dashboard's, usually now)" },
    var: repeatable({ type: "string", valueHint: "name=value", description: "A variable's value instead of its default (repeatable; v1,v2 for several; $__all for All)" }),
  },
  run: async ({ args, rawArgs }) => {
    const config = loadConfig({ envFile: args["env-file"], required: needsOf("preview") });
    const result = await runPreview(config, {
      dashboards: dashboardDefinitions(renderingOf(config)),
      datasources: datasourceDefinitions(config),
      dashboard: args.dashboard,
      outDir: args.out ?? DEFAULT_OUT,
      from: args.from,
      to: args.to,
      variables: parseVariableArgs(repeatedValues(rawArgs, "var")),
      log: (line) => console.error(line),
    });
    if (args.json) console.log(JSON.stringify(result));
    else report(result);
    return result.ok ? EXIT.ok : EXIT.checkFailed;
  },
});

if (import.meta.main) runCommand(previewCommand);
