// The real Prometheus tools for tests: the pinned binaries (never built by a test: a test without them
// fails naming the one command that builds them), their validators, and a Prometheus of a test's own on a
// data directory backfilled with samples the test arranged (scripts/lib/stack/scratch-prometheus.ts, which
// bench uses too), so that what a query answers depends on nothing but the test.
export { type OwnPrometheus, ownPrometheus, runTool, tool } from "../../scripts/lib/stack/scratch-prometheus.ts";

export interface InstantSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query's series on the Prometheus at `url`; what Prometheus answered, thrown, unless a success. */
export async function instantQuery(url: string, expr: string): Promise<InstantSample[]> {
  const response = await fetch(`${url}/api/v1/query`, { method: "POST", body: new URLSearchParams({ query: expr }) });
  const body = (await response.json()) as { status: string; data?: { result: InstantSample[] } };
  if (body.status !== "success") throw new Error(JSON.stringify(body));
  return body.data!.result;
}
