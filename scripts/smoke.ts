import { defineCommand } from "citty";
import { EXIT } from "./lib/errors.ts";
import { envFileArg, jsonArg, runCommand } from "./lib/cli.ts";
import { loadConfig } from "./lib/config.ts";
import { runSmokeStep } from "./lib/grafana/smoke.ts";

export const smokeCommand = defineCommand({
  meta: {
    name: "smoke",
    description:
      "Prove the dashboards through Grafana itself (GRAFANA_URL): its health, every datasource's health check, and every panel's " +
      `queries through /api/ds/query with the dashboard's default range and variables put in as the browser does.`,
  },
  args: { ...envFileArg, ...jsonArg },
  run: async ({ args }) => {
    const config = loadConfig({ envFile: args["env-file"] });
    const result = await runSmokeStep(config, { log: args.json ? undefined : (line) => console.log(line) });
    const failed = result.panels.filter((p) => !p.ok).length + result.datasources.filter((d) => !d.ok).length;
    if (args.json) {
      const panels = result.panels.map(({ dashboard, panel, ok, rows, ms, error }) => ({ dashboard, panel, ok, rows, ms, error }));
      console.log(JSON.stringify({ ok: result.ok, grafana: result.grafana, datasources: result.datasources, panels }));
    } else {
      console.log(`Grafana ${result.grafana.version ?? "(version hidden)"} at ${result.grafana.url}: ${result.datasources.length} datasources, ${result.panels.length} panels checked, ${failed} failed`);
    }
    return result.ok ? EXIT.ok : EXIT.checkFailed;
  },
});

if (import.meta.main) runCommand(smokeCommand);
