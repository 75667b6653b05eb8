// The Grafana double's /api/ds/query, answered by the check engine: each query run against the datasource
// Grafana holds (its URL, user and secrets as pushed), with the server-side macros expanded, as Grafana's
// backend would (grafana-facts §5). Test-only; the variables arrive already put in by the caller.
import type { DatasourceDefinition, DatasourceType } from "../../grafana/types.ts";
import { POSTGRES_TYPE } from "../../grafana/datasources.ts";
import { toDataFrameJson } from "../../scripts/lib/check/frames.ts";
import { DirectRunner } from "../../scripts/lib/check/runner.ts";
import { browserRange } from "../../scripts/lib/display/time.ts";
import type { Target } from "../../scripts/lib/check/dashboard-model.ts";
import type { QueryExecutor } from "./grafana-double.ts";
import type { StoredDatasource } from "./grafana-double-health.ts";

function definitionOf(stored: StoredDatasource): DatasourceDefinition {
  const type = (stored.type === "postgres" ? POSTGRES_TYPE : stored.type) as DatasourceType;
  return {
    uid: stored.uid,
    name: stored.name,
    type,
    access: "proxy",
    url: stored.url,
    user: stored.user,
    basicAuth: stored.basicAuth,
    basicAuthUser: stored.basicAuthUser,
    jsonData: { ...stored.jsonData, database: stored.jsonData.database ?? stored.database },
    secureJsonData: {},
  };
}

// One pool per datasource (and version), as Grafana keeps one per datasource instance: the read-only
// role's connection limit holds across queries. Idle connections close by themselves after 5 s.
const runners = new Map<string, DirectRunner>();
function runnerOf(stored: StoredDatasource): DirectRunner {
  const key = `${stored.uid}@${stored.version}`;
  let runner = runners.get(key);
  if (!runner) {
    runner = new DirectRunner(() => stored.secureJsonData);
    runners.set(key, runner);
  }
  return runner;
}

export const checkEngineExecutor: QueryExecutor = async (body, context) => {
  const request = body as { from?: string; to?: string; queries?: (Target & { intervalMs?: number; maxDataPoints?: number })[] };
  const range = await browserRange({ from: String(request.from ?? "now-6h"), to: String(request.to ?? "now") });
  const results: Record<string, unknown> = {};
  let failed = false;
  for (const query of request.queries ?? []) {
    const stored = context.datasource(String(query.datasource?.uid ?? ""));
    if (!stored) return { status: 404, body: { message: "Data source not found" } };
    try {
      const frames = await runnerOf(stored).run(query, definitionOf(stored), { range, variables: [], intervalMs: query.intervalMs ?? 1000, maxDataPoints: query.maxDataPoints ?? 100, deadlineMs: 30_000 });
      results[query.refId] = { status: 200, frames: frames.map((frame) => toDataFrameJson(frame, query.refId)) };
    } catch (error) {
      failed = true;
      results[query.refId] = { status: 500, error: (error as Error).message, errorSource: "downstream", frames: [] };
    }
  }
  return { status: failed ? 400 : 200, body: { results } };
};

/** Closes the pools the executor holds (the role's connection limit is shared with the code under test). */
export async function closeCheckEngineExecutor(): Promise<void> {
  await Promise.all([...runners.values()].map((runner) => runner.close()));
  runners.clear();
}
