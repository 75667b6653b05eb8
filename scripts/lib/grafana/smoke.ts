// `smoke`: the same panels as `check`, but through Grafana: its health, every datasource's own health
// check, and every panel's queries sent to /api/ds/query with the variables already put in, as the browser
// sends them (the same substitution code as check). Only the runner differs from check.
import type { Config } from "../config.ts";
import type { DashboardDefinition, DatasourceDefinition } from "../../../grafana/types.ts";
import type { Target } from "../check/dashboard-model.ts";
import { type Frame, frameFromDataFrameJson } from "../check/frames.ts";
import { type CheckResult, type QueryRunner, runCheck } from "../check/run.ts";
import { type QueryContext, asBrowserSends } from "../check/sources.ts";
import type { GrafanaClient } from "./client.ts";

/** Queries as the browser sends them: dashboard variables in, server-side macros left to Grafana. */
export class GrafanaRunner implements QueryRunner {
  constructor(private readonly client: GrafanaClient) {}

  async run(target: Target, datasource: DatasourceDefinition, context: QueryContext): Promise<Frame> {
    const { range } = context;
    const query = asBrowserSends(target, datasource.type, context);
    const refId = String(target.refId ?? "A");
    const answer = await this.client.query({
      from: String(range.from.getTime()),
      to: String(range.to.getTime()),
      queries: [{ ...query, refId, datasource: { type: datasource.type, uid: datasource.uid }, intervalMs: context.intervalMs, maxDataPoints: 1000 }],
    });
    const result = answer.results[refId];
    if (!result) throw new Error(`Grafana answered ${answer.status} without a result for ${refId}`);
    if (result.error) throw new Error(result.error);
    const frames = (result.frames ?? []).map(frameFromDataFrameJson);
    return frames.find((f) => f.fields.length) ?? frames[0] ?? { name: "", fields: [] };
  }

  async close(): Promise<void> {}
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

export async function runSmoke(
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
