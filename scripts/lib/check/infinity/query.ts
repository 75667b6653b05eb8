// An Infinity (yesoreyeram-infinity-datasource 3.11.1) JSON query with `parser: "backend"`, evaluated as
// the plugin's Go backend does: request.ts builds and sends the request (infinity-facts §1.2-1.3),
// parse.ts selects the rows (§3.1), jsonata.ts evaluates JSONata root selectors, frame.ts shapes the
// fields (§3.2-3.3). Only inside the subset both Infinity's Go libraries and this engine evaluate
// identically (§4, §7): a target outside it is refused by lintInfinityTarget, never guessed.
import { badInput } from "../../errors.ts";
import type { Frame } from "../frames.ts";
import { interpolateTemplate, type TemplateVariable } from "../template.ts";
import type { TimeRange } from "../time-range.ts";
import { framerWithColumns, framerWithoutColumns } from "./frame.ts";
import { rootSelectorProblems } from "./jsonata.ts";
import { gjsonGet, selectRoot, selectedRows } from "./parse.ts";
import { buildInfinityRequest, fetchJson } from "./request.ts";
import type { InfinityColumn, InfinityDatasource, InfinityTarget } from "./types.ts";

const COLUMN_TYPES = new Set(["string", "number", "boolean", "timestamp", "timestamp_epoch", "timestamp_epoch_s"]);
const COLUMN_SEGMENT = /^(?:#|(?:[A-Za-z0-9_-]|\\\.)+)$/;

/** Problems that put the target outside what the engine evaluates exactly as Infinity does; [] when inside. */
export function lintInfinityTarget(target: InfinityTarget): string[] {
  const problems: string[] = [];
  if (target.parser !== "backend") {
    problems.push(`parser must be "backend", written explicitly (got ${JSON.stringify(target.parser ?? null)}): other parsers run in the browser, or default differently in backend and frontend`);
  }
  if (target.type !== "json") problems.push(`type must be "json" (got ${JSON.stringify(target.type ?? null)})`);
  if (target.source !== "url") problems.push(`source must be "url" (got ${JSON.stringify(target.source ?? null)})`);
  if (target.format !== undefined && target.format !== "table") {
    problems.push(`format must be "table" (got ${JSON.stringify(target.format)}): the engine does not convert long frames to wide`);
  }
  const method = target.url_options?.method;
  if (method && method.toUpperCase() !== "GET") problems.push(`only GET requests are evaluated (url_options.method is ${method})`);
  for (const header of target.url_options?.headers ?? []) {
    if (header.key.toLowerCase() === "authorization") {
      problems.push("an Authorization header in the query's url_options.headers is refused: put credentials in the datasource");
    }
  }
  if (target.pagination_mode && target.pagination_mode !== "none") problems.push(`pagination_mode ${target.pagination_mode} is not supported`);
  for (const text of [target.url ?? "", ...(target.url_options?.params ?? []).map((p) => p.value)]) {
    if (/\$__customInterval\(|\$__combineValues\(|\$\{__(user|org|ds|plugin)\./.test(text)) {
      problems.push(`the macro in ${JSON.stringify(text)} is not supported by the check engine`);
    }
  }
  problems.push(...rootSelectorProblems(target.root_selector ?? ""));
  problems.push(...lintColumns(target.columns ?? []));
  if (target.computed_columns?.length) problems.push("computed_columns are not supported (govaluate expressions): compute the value in the root selector");
  if (target.filterExpression?.trim()) problems.push("filterExpression is not supported (govaluate): select all rows and compute a flag instead");
  if (target.summarizeExpression?.trim() || target.summarizeBy?.trim()) problems.push("summarizeExpression/summarizeBy are not supported");
  return problems;
}

function lintColumns(columns: InfinityColumn[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const column of columns) {
    const name = column.text || column.selector;
    const label = `column ${JSON.stringify(name)}`;
    if (!column.selector || !column.selector.split(/(?<!\\)\./).every((seg) => COLUMN_SEGMENT.test(seg))) {
      problems.push(`${label}: selector ${JSON.stringify(column.selector)} is not a plain gjson path (a.b.c, a.0, a.#, a\\.b)`);
    }
    if (!column.type || !COLUMN_TYPES.has(column.type)) {
      problems.push(`${label}: type must be one of ${[...COLUMN_TYPES].join(", ")} (got ${JSON.stringify(column.type ?? null)}); an inferred type fails the whole request on mixed values`);
    }
    if (column.timestampFormat) problems.push(`${label}: timestampFormat (a Go layout) is not supported; use timestamp with ISO strings or timestamp_epoch(_s)`);
    if (names.has(name)) problems.push(`${label}: duplicate field name (Infinity would return two fields)`);
    names.add(name);
  }
  return problems;
}

/** What Infinity's frontend interpolates before /api/ds/query (src/interpolate.ts), with format glob. */
export function interpolateInfinityTarget(target: InfinityTarget, variables: TemplateVariable[], range: TimeRange): InfinityTarget {
  const replace = (text: string | undefined) => interpolateTemplate(text ?? "", variables, { range, format: "infinity" });
  const out: InfinityTarget = { ...target, url: replace(target.url) };
  if (target.url_options) {
    out.url_options = {
      ...target.url_options,
      data: replace(target.url_options.data),
      params: target.url_options.params?.map((p) => ({ ...p, value: replace(p.value) })),
      headers: target.url_options.headers?.map((h) => ({ ...h, value: replace(h.value) })),
    };
  }
  if (target.parser === "backend") {
    out.root_selector = replace(target.root_selector);
    out.computed_columns = target.computed_columns?.map((c) => ({ ...c, selector: replace(c.selector) }));
    out.filterExpression = replace(target.filterExpression);
    out.summarizeExpression = replace(target.summarizeExpression);
  }
  return out;
}

/** Runs the target against its source as Infinity's backend would, returning its frame (named by refId). */
export async function runInfinityQuery(
  datasource: InfinityDatasource,
  target: InfinityTarget,
  options: { range: TimeRange; timeoutMs?: number },
): Promise<Frame> {
  const problems = lintInfinityTarget(target);
  if (problems.length) throw badInput("Infinity query outside the subset the check engine evaluates", problems);
  const request = buildInfinityRequest(datasource, target, options);
  return shapeFrame(await fetchJson(request), target);
}

/** jsonframer + gframer on an already parsed body: root selector, per-row column paths, typed fields.
 *  Outside the subset gjson may answer first ($.{...} gives {}), so the root selector is linted here too. */
export async function frameFromJson(body: unknown, target: InfinityTarget): Promise<Frame> {
  const problems = rootSelectorProblems(target.root_selector ?? "");
  if (problems.length) throw badInput("Infinity root selector outside the subset the check engine evaluates", problems);
  return shapeFrame(body, target);
}

/** The frame of a linted target's answer (each expression is linted once, before this). */
async function shapeFrame(body: unknown, target: InfinityTarget): Promise<Frame> {
  const name = target.refId || "response";
  const columns = target.columns ?? [];
  const root = await selectRoot(body, target.root_selector ?? "", columns.length > 0);
  if (columns.length === 0) return { name, fields: framerWithoutColumns(root, name) };
  const records = selectedRows(root).map((row) => new Map(columns.map((c) => [c.text || c.selector, gjsonGet(row, c.selector).value ?? null])));
  return { name, fields: framerWithColumns(records, columns) };
}
