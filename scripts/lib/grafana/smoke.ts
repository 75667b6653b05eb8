// `smoke`: the same panels as `check`, but through Grafana: its health, every datasource's own health
// check, and every panel's queries sent to /api/ds/query with the variables already put in, as the browser
// sends them (the same substitution code as check). Only the runner differs from check.
import type { Config } from "../config.ts";
import { stepLine } from "../cli.ts";
import type { DashboardDefinition, DatasourceDefinition } from "../../../grafana/types.ts";
import { dashboardDefinitions, datasourceDefinitions, renderingOf } from "../../../grafana/index.ts";
import type { Target } from "../check/dashboard-model.ts";
import { type Frame, frameFromDataFrameJson } from "../check/frames.ts";
import { PANEL_WIDTHS, panelLine } from "../check/report.ts";
import { type CheckResult, runCheck } from "../check/run.ts";
import type { QueryRunner } from "../check/runner.ts";
import { datasourceKind } from "../check/sources/index.ts";
import type { QueryContext } from "../check/sources/kind.ts";
import { type GrafanaClient, grafanaClientFor } from "./client.ts";

/** QueryEngine as the browser sends them, through Grafana: dashboard variables in, server-side macros left to
 *  Grafana. Nothing to open or close: each query is one request. */
class GrafanaRunner implements QueryRunner {
  constructor(private readonly client: GrafanaClient) {}

  async run(target: Target, datasource: DatasourceDefinition, context: QueryContext): Promise<Frame[]> {
    const { range } = context;
    const query = await datasourceKind(datasource.type).asBrowserSends(target, context, datasource);
    const refId = String(target.refId ?? "A");
    const answer = await this.client.query({
      from: String(range.from.getTime()),
      to: String(range.to.getTime()),
      queries: [{ ...query, refId, datasource: { type: datasource.type, uid: datasource.uid }, intervalMs: context.intervalMs, maxDataPoints: context.maxDataPoints }],
    });
    const result = answer.results[refId];
    if (!result) throw new Error(`Grafana answered ${answer.status} without a result for ${refId}`);
    if (result.error) throw new Error(result.error);
    const frames = (result.frames ?? []).map(frameFromDataFrameJson);
    return frames.length ? frames : [{ name: "", fields: [] }];
  }
}

export interface DatasourceCheck {
  uid: string;
  name: string;
  url: string;
  ok: boolean;
  message: string;
}

export interface SmokeResult extends CheckResult {
  grafana: { url: string; version?: string };
  datasources: DatasourceCheck[];
}

async function runSmoke(
  config: Config,
  client: GrafanaClient,
  definitions: { dashboards: DashboardDefinition[]; datasources: DatasourceDefinition[] },
  options: { onDatasource?: (check: DatasourceCheck) => void; onPanel?: Parameters<typeof runCheck>[1]["onPanel"] } = {},
): Promise<SmokeResult> {
  const health = await client.health();
  const datasources: DatasourceCheck[] = [];
  for (const ds of definitions.datasources) {
    let check: DatasourceCheck;
    try {
      const answer = await client.datasourceHealth(ds.uid);
      check = { uid: ds.uid, name: ds.name, url: ds.url, ok: answer.ok, message: answer.message };
    } catch (error) {
      check = { uid: ds.uid, name: ds.name, url: ds.url, ok: false, message: (error as Error).message };
    }
    datasources.push(check);
    options.onDatasource?.(check);
  }
  const panels = await runCheck(config, { ...definitions, runner: new GrafanaRunner(client), onPanel: options.onPanel });
  return { ...panels, ok: panels.ok && datasources.every((d) => d.ok), grafana: { url: client.url, version: health.version }, datasources };
}

/** Smoke of the toolkit's own datasources and dashboards through the configured Grafana, a line per
 *  datasource and panel to `log` as it goes (setup and the command share it). */
export async function runSmokeStep(config: Config, options: { log?: (line: string) => void } = {}): Promise<SmokeResult> {
  const log = options.log ?? (() => {});
  const client = grafanaClientFor(config.grafana);
  return runSmoke(config, client, { dashboards: dashboardDefinitions(renderingOf(config)), datasources: datasourceDefinitions(config) }, {
    // In the panels' columns: one table of lines, datasources first.
    onDatasource: (d) => log(stepLine(`datasource ${d.name}`, d.ok ? "ok" : "FAILED", d.ok ? d.message : `${d.message} (${d.url})`, PANEL_WIDTHS)),
    onPanel: (r) => log(panelLine(r)),
  });
}
