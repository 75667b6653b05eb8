// The machinery of the jsonata-go differential test (tests/jsonata-differential.test.ts): which Infinity
// queries the dashboards run, the bodies each is tried on, and the two evaluations compared, Infinity's
// (the Go harness: its handling around jsonata-go v1.8.8) and check's (its own path: request, fetch, parse,
// JS jsonata, frame), at two levels: what the panel gets and the JSONata value itself.
import { setSystemTime } from "bun:test";
import jsonata from "jsonata";
import { DATASOURCE_UIDS, INFINITY_TYPE } from "../../grafana/datasources.ts";
import { dashboardDefinitions } from "../../grafana/index.ts";
import { SERVICE_NAMES } from "../../scripts/lib/services.ts";

/** Every service on: the health queries of feature-service and dashboard-api are differential-tested too. */
export const EVERY_SERVICE = { services: SERVICE_NAMES, schema: "monitoring" };
import { dashboardPanels, targetDatasource } from "../../scripts/lib/check/dashboard-model.ts";
import type { Frame } from "../../scripts/lib/check/frames.ts";
import { frameFromJson, interpolateInfinityTarget, runInfinityQuery } from "../../scripts/lib/check/infinity/query.ts";
import type { InfinityTarget } from "../../scripts/lib/check/infinity/types.ts";
import type { TimeRange } from "../../scripts/lib/check/time-range.ts";
import { type CapturedResponse, captureDemoResponses, type InfinitySource } from "./infinity-demo-responses.ts";
import { buildHarness, type HarnessResult, runHarness } from "./jsonata-go.ts";

export interface Expression {
  source: InfinitySource;
  target: InfinityTarget;
  /** Every dashboard / panel (refId) that runs this same query. */
  panels: string[];
}

export interface DiffCase {
  id: string;
  expression: Expression;
  shapes: string[];
  response: Pick<CapturedResponse, "status" | "statusText" | "contentType" | "body">;
}

/** What a panel receives: its fields, nothing ("no data"), or the query's error text. */
export type PanelOutcome = { error: string } | { noData: true } | { fields: Frame["fields"] };
/** What the root selector's JSONata evaluates to; undefined is Infinity's "no results found". */
type JsonataOutcome = { value: unknown } | { undefined: true } | { error: true };

const SOURCE_OF_UID = new Map<string, InfinitySource>(
  Object.entries(DATASOURCE_UIDS)
    .filter(([key]) => key !== "postgres")
    .map(([key, uid]) => [uid, key as InfinitySource]),
);

/** Every distinct Infinity query of both dashboards (a query several panels share counts once). */
export function infinityExpressions(): Expression[] {
  const byQuery = new Map<string, Expression>();
  for (const definition of dashboardDefinitions(EVERY_SERVICE)) {
    for (const panel of dashboardPanels(definition)) {
      for (const target of panel.targets) {
        const datasource = targetDatasource(panel, target);
        const source = datasource?.uid ? SOURCE_OF_UID.get(datasource.uid) : undefined;
        if (datasource?.type !== INFINITY_TYPE || !source) continue;
        const query = target as unknown as InfinityTarget;
        const key = JSON.stringify([datasource.uid, query.url, query.root_selector, query.columns]);
        const where = `${definition.title} / ${panel.title} (${target.refId})`;
        const known = byQuery.get(key);
        if (known) known.panels.push(where);
        else byQuery.set(key, { source, target: query, panels: [where] });
      }
    }
  }
  return [...byQuery.values()];
}

export function expressionName(expression: Expression): string {
  return `${expression.source} ${expression.target.url} → ${expression.target.columns?.map((c) => c.text || c.selector).join(", ")}`;
}

// Bodies the real system may send that the demo does not: a null or empty body, an object of another shape
// (FastAPI's {"detail": ...} with a 200 from a proxy or a newer version), and the timestamp forms of a
// Python service (isoformat with +00:00 and microseconds; the space-separated form).
// Queues as the management API lists them: two lagging by the spec's rule (a backlog; published to while
// consumed at under a tenth of the rate), one without stats yet, and healthy ones, in no particular order.
const queue = (name: string, messages: number | null, publish?: number, deliver?: number) => ({
  vhost: "/",
  name,
  messages,
  messages_ready: messages,
  messages_unacknowledged: 0,
  consumers: 1,
  ...(publish === undefined ? {} : { message_stats: { publish_details: { rate: publish }, deliver_get_details: { rate: deliver ?? 0 } } }),
});
const LAGGING_QUEUES = [
  queue("order-manager.order_events", 12, 5, 5),
  queue("ws-gateway.ticker", 4200, 20, 19),
  queue("model-service.features", null),
  queue("position-manager.order_executed", 40, 10, 0.5),
  queue("ws-gateway.orderbook", 12, 3, 3),
];

const ISO_Z = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)\.(\d{3})Z$/;
export function syntheticResponses(captured: CapturedResponse[]): CapturedResponse[] {
  const ok = { status: 200, statusText: "OK", contentType: "application/json" };
  const out: CapturedResponse[] = [];
  const paths = new Map(captured.map((r) => [`${r.source} ${r.path}`, r]));
  for (const { source, path } of paths.values()) {
    out.push({ shape: "synthetic: a null body", source, path, ...ok, body: "null" });
    out.push({ shape: "synthetic: an empty array body", source, path, ...ok, body: "[]" });
    out.push({ shape: "synthetic: an object of another shape (an error's detail)", source, path, ...ok, body: '{"detail":"Not Found"}' });
    if (source === "rabbitmq" && path.startsWith("/api/queues")) {
      out.push({ shape: "synthetic: queues backed up and under-consumed among healthy ones", source, path, ...ok, body: JSON.stringify(LAGGING_QUEUES) });
    }
  }
  for (const response of captured) {
    if (response.status !== 200 || !response.contentType.includes("json") || !/\d{4}-\d\d-\d\dT[\d:.]+Z/.test(response.body)) continue;
    const retimed = (form: (m: RegExpExecArray) => string) =>
      JSON.stringify(JSON.parse(response.body), (_key, value) => {
        const m = typeof value === "string" ? ISO_Z.exec(value) : null;
        return m ? form(m) : value;
      });
    out.push({ ...response, shape: `synthetic: ${response.shape}, times as Python's isoformat (+00:00)`, body: retimed((m) => `${m[1]}T${m[2]}.${m[3]}000+00:00`) });
    out.push({ ...response, shape: `synthetic: ${response.shape}, times as "YYYY-MM-DD hh:mm:ss"`, body: retimed((m) => `${m[1]} ${m[2]}`) });
  }
  // Every value null, the keys kept: what a service that cannot fill its fields may send
  const nulled = new Map<string, CapturedResponse>();
  for (const response of captured) {
    if (response.status !== 200 || !response.contentType.includes("json") || nulled.has(`${response.source} ${response.path}`)) continue;
    const body = JSON.stringify(JSON.parse(response.body), (_key, value) => (value === null || typeof value === "object" ? value : null));
    nulled.set(`${response.source} ${response.path}`, { ...response, shape: `synthetic: ${response.shape}, every value null`, body });
  }
  out.push(...nulled.values());
  return out;
}

/** One case per expression and distinct answer of its URL, with every shape that gave that answer. */
export function casesOf(expressions: Expression[], responses: CapturedResponse[]): DiffCase[] {
  const cases: DiffCase[] = [];
  expressions.forEach((expression, e) => {
    const byBody = new Map<string, DiffCase>();
    for (const response of responses) {
      if (response.source !== expression.source || response.path !== expression.target.url) continue;
      const key = `${response.status}\n${response.body}`;
      const known = byBody.get(key);
      if (known) known.shapes.push(response.shape);
      else byBody.set(key, { id: `${e}.${byBody.size}`, expression, shapes: [response.shape], response });
    }
    cases.push(...byBody.values());
  });
  return cases;
}

/** The captured answers, evaluated once by the Go harness and served back to check's path. */
export class Differential {
  private constructor(
    readonly cases: DiffCase[],
    private readonly goResults: Map<string, HarnessResult>,
    private readonly replay: ReturnType<typeof Bun.serve>,
    private readonly now: number,
    readonly harness: { built: boolean; ms: number },
  ) {}

  /** `now` (whole seconds) is the clock $millis() reads on both sides and the demo's times are set from. */
  static async start(expressions: Expression[], now: number): Promise<Differential> {
    const build = buildHarness();
    const paths: Partial<Record<InfinitySource, string[]>> = {};
    for (const { source, target } of expressions) paths[source] = [...new Set([...(paths[source] ?? []), target.url ?? ""])];
    const captured = await captureDemoResponses(paths, now);
    const cases = casesOf(expressions, [...captured, ...syntheticResponses(captured)]);
    const results = await runHarness(
      build.binary,
      cases.map((c) => ({
        id: c.id,
        refId: c.expression.target.refId ?? "",
        status: c.response.status,
        body: c.response.body,
        rootSelector: c.expression.target.root_selector ?? "",
        columns: (c.expression.target.columns ?? []).map((col) => ({ selector: col.selector, text: col.text ?? "" })),
      })),
      { nowMs: now },
    );
    // check fetches each case's recorded answer from here, so that both sides read the very same bytes
    const byId = new Map(cases.map((c) => [c.id, c.response]));
    const replay = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request) {
        const response = byId.get(new URL(request.url).pathname.split("/")[1] ?? "");
        if (!response) return new Response("no such case", { status: 404 });
        return new Response(response.body, { status: response.status, statusText: response.statusText, headers: { "content-type": response.contentType } });
      },
    });
    return new Differential(cases, new Map(results.map((r) => [r.id, r])), replay, now, { built: build.built, ms: build.ms });
  }

  stop(): void {
    this.replay.stop(true);
  }

  evaluatedByGo(c: DiffCase): boolean {
    return this.goResults.has(c.id);
  }

  /** What the panel gets from this case in Infinity and in check. */
  async panelOutcomes(c: DiffCase): Promise<{ infinity: PanelOutcome; check: PanelOutcome }> {
    return { infinity: await this.infinityPanel(c, this.goResults.get(c.id)!), check: await this.checkPanel(c) };
  }

  /** Each way the two sides differ on this expression, worded for a person; [] when they agree everywhere. */
  async differences(expression: Expression): Promise<string[]> {
    const found: string[] = [];
    for (const c of this.cases.filter((x) => x.expression === expression)) {
      const go = this.goResults.get(c.id)!;
      const where = `[${c.shapes.join(" | ")}] HTTP ${c.response.status} body ${c.response.body.slice(0, 300)}`;
      const { infinity: inInfinity, check: inCheck } = await this.panelOutcomes(c);
      if (!Bun.deepEquals(inInfinity, inCheck, true)) {
        found.push(`panel differs on ${where}\n    Infinity (jsonata-go): ${show(inInfinity)}\n    check (JS jsonata):    ${show(inCheck)}`);
      }
      if (go.selection?.via === "jsonata") {
        const [goValue, jsValue] = [goJsonata(go), await this.jsJsonata(c)];
        if (!Bun.deepEquals(goValue, jsValue, true)) found.push(`JSONata value differs on ${where}\n    jsonata-go: ${show(goValue)}\n    JS jsonata: ${show(jsValue)}`);
      }
    }
    return found;
  }

  private get range(): TimeRange {
    return { from: new Date(this.now - 6 * 3_600_000), to: new Date(this.now), raw: { from: "now-6h", to: "now" } };
  }

  /** check's own path: the query as the browser sends it, Infinity's request, fetch, parse and frame. */
  private async checkPanel(c: DiffCase): Promise<PanelOutcome> {
    const range = this.range;
    const sent = interpolateInfinityTarget(c.expression.target, [], range);
    const datasource = { url: `${this.replay.url.origin}/${c.id}`, jsonData: { auth_method: "none" }, secrets: {} };
    try {
      const frame = await this.frozenClock(() => runInfinityQuery(datasource, sent, { range }));
      return frame.fields.length ? { fields: frame.fields } : { noData: true };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  /** Infinity's side: the harness's rows, typed by check's framer (the typing is not what differs here). */
  private async infinityPanel(c: DiffCase, go: HarnessResult): Promise<PanelOutcome> {
    if (go.outcome === "error") return { error: go.error! };
    if (go.outcome === "no data") return { noData: true };
    const target = c.expression.target;
    const asRows: InfinityTarget = {
      ...target,
      root_selector: "",
      columns: target.columns?.map((col) => ({ ...col, selector: (col.text || col.selector).replaceAll(".", "\\.") })),
    };
    const frame = await frameFromJson(go.value, asRows);
    return frame.fields.length ? { fields: frame.fields } : { noData: true };
  }

  /** The JS package exactly as check's root selector calls it, on the parsed body. */
  private async jsJsonata(c: DiffCase): Promise<JsonataOutcome> {
    try {
      const value = await this.frozenClock(() => jsonata(c.expression.target.root_selector ?? "").evaluate(JSON.parse(c.response.body)));
      return value === undefined ? { undefined: true } : { value: JSON.parse(JSON.stringify(value)) };
    } catch {
      return { error: true };
    }
  }

  private async frozenClock<T>(work: () => Promise<T>): Promise<T> {
    setSystemTime(new Date(this.now));
    try {
      return await work();
    } finally {
      setSystemTime();
    }
  }
}

function goJsonata(go: HarnessResult): JsonataOutcome {
  if (go.selection?.via === "jsonata" && go.selection.text !== "") return { value: JSON.parse(go.selection.text) };
  return go.error?.endsWith("\nno results found") ? { undefined: true } : { error: true };
}

const show = (value: unknown) => JSON.stringify(value);
