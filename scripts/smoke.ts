import { defineCommand } from "citty";
import { EXIT } from "./lib/errors.ts";
import { envFileArg, exitWith, jsonArg, runCommand, stepLine } from "./lib/cli.ts";
import { type Config, loadConfig } from "./lib/config.ts";
import { grafanaClientFor } from "./lib/grafana/client.ts";
import { type SmokeResult, runSmoke } from "./lib/grafana/smoke.ts";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import { panelLine } from "./check.ts";

/** Smoke as setup runs it: lines as it goes unless `quiet`. */
export async function runSmokeStep(config: Config, options: { quiet?: boolean } = {}): Promise<SmokeResult> {
  const log = options.quiet ? () => {} : (line: string) => console.log(line);
  const client = grafanaClientFor(config.grafana);
  return runSmoke(config, client, { dashboards: dashboardDefinitions(), datasources: datasourceDefinitions(config) }, {
    onDatasource: (d) => log(stepLine(`datasource ${d.name}`, d.ok ? "ok" : "FAILED", d.ok ? d.message : `${d.message} (${d.url})`)),
    onPanel: (r) => log(panelLine(r)),
  });
}

export const smokeCommand = defineCommand({
  meta: {
    name: "smoke",
    description:
      "Prove the dashboards through Grafana itself (GRAFANA_URL): its health, every datasource's health check, and every panel's " +
      `queries through /api/ds/query with the dashboard's default range and variables put in as the browser does.`,
  },
  args: { ...envFileArg, ...jsonArg },
  run: ({ args }) =>
    exitWith(async () => {
      const config = loadConfig({ envFile: args["env-file"] });
      const result = await runSmokeStep(config, { quiet: args.json });
      const failed = result.panels.filter((p) => !p.ok).length + result.datasources.filter((d) => !d.ok).length;
      if (args.json) {
        const panels = result.panels.map(({ dashboard, panel, ok, rows, ms, error }) => ({ dashboard, panel, ok, rows, ms, error }));
        console.log(JSON.stringify({ ok: result.ok, grafana: result.grafana, datasources: result.datasources, panels }));
      } else {
        console.log(`Grafana ${result.grafana.version ?? "(version hidden)"} at ${result.grafana.url}: ${result.datasources.length} datasources, ${result.panels.length} panels checked, ${failed} failed`);
      }
      return result.ok ? EXIT.ok : EXIT.checkFailed;
    }),
});

if (import.meta.main) runCommand(smokeCommand);
