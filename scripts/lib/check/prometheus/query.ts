// A Prometheus target run as Grafana's Prometheus library runs it (prometheus-facts §2-§8): the step and
// the server's variables, the request to Prometheus' query or query_range API, and the answer turned into
// Grafana's frames (one per series, named by the legend), its errors and warnings, and the empty frame of
// an empty result. The target arrives as the browser sends it (browser.ts).
import type { Field, Frame, Notice } from "../frames.ts";
import { goNetError } from "../go-net.ts";
import { alignRange, goDuration, interpolateServerVariables, prometheusStep, rateInterval, type StepInput } from "./interval.ts";

/** A Prometheus query object of /api/ds/query (§1), as the browser sends it. */
export interface PrometheusTarget {
  refId: string;
  expr?: string;
  range?: boolean;
  instant?: boolean;
  interval?: string;
  intervalFactor?: number;
  legendFormat?: string;
  format?: string;
  intervalMs?: number;
  maxDataPoints?: number;
  utcOffsetSec?: number;
  hide?: boolean;
}

/** What the library reads of the datasource (§10). */
export interface PrometheusSource {
  url: string;
  jsonData: Record<string, unknown>;
}

/** One request to Prometheus, with what its answer's frames need. */
export interface PrometheusRequest {
  kind: "range" | "instant";
  path: "api/v1/query_range" | "api/v1/query";
  params: Record<string, string>;
  /** The expression after the server's variables. */
  expr: string;
  stepMs: number;
}

/** Shortest decimal seconds, as strconv formats them ("1700000000", "1700000000.123", "0.5"). */
const seconds = (ms: number) => String(ms / 1000);

/** The requests the server makes for a target over [from, to] (§2-§5): range, instant, or both. */
export function prometheusRequests(target: PrometheusTarget, source: PrometheusSource, range: { from: number; to: number }): PrometheusRequest[] {
  const input: StepInput = {
    interval: target.interval ?? "",
    timeInterval: String(source.jsonData.timeInterval ?? ""),
    intervalMs: target.intervalMs ?? 0,
    intervalFactor: target.intervalFactor ?? 1,
    rangeMs: range.to - range.from,
    // Grafana's query service gives a query without maxDataPoints 100 (§1).
    maxDataPoints: target.maxDataPoints ?? 100,
  };
  const stepMs = prometheusStep(input);
  const expr = interpolateServerVariables(target.expr ?? "", { stepMs, rangeMs: input.rangeMs, rateIntervalMs: rateInterval(input, stepMs) });
  const extra: Record<string, string> = source.jsonData.queryTimeout ? { timeout: String(source.jsonData.queryTimeout) } : {};
  // Neither flag set: a range query, as for old dashboards (§1).
  const wantsRange = Boolean(target.range) || !target.instant;
  const requests: PrometheusRequest[] = [];
  if (wantsRange) {
    const { start, end } = alignRange(range.from, range.to, stepMs, target.utcOffsetSec ?? 0);
    requests.push({
      kind: "range",
      path: "api/v1/query_range",
      params: { query: expr, start: seconds(start), end: seconds(end), step: seconds(stepMs), ...extra },
      expr,
      stepMs,
    });
  }
  if (target.instant) {
    requests.push({ kind: "instant", path: "api/v1/query", params: { query: expr, time: seconds(range.to), ...extra }, expr, stepMs });
  }
  return requests;
}

/** Sends one request as the library's client does: the path joined onto the URL's, POST with a form body
 *  unless jsonData.httpMethod is GET, customQueryParameters on every URL (§5). */
async function send(source: PrometheusSource, request: PrometheusRequest, signal?: AbortSignal): Promise<Response> {
  const base = new URL(source.url);
  base.pathname = `${base.pathname.replace(/\/+$/, "")}/${request.path}`;
  const custom = String(source.jsonData.customQueryParameters ?? "");
  const url = new URL(base);
  if (custom) for (const [key, value] of new URLSearchParams(custom)) url.searchParams.append(key, value);
  const form = new URLSearchParams(request.params);
  const method = String(source.jsonData.httpMethod ?? "POST").toUpperCase() === "GET" ? "GET" : "POST";
  if (method === "GET") for (const [key, value] of form) url.searchParams.append(key, value);
  try {
    return await fetch(url, {
      method,
      headers: method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : undefined,
      body: method === "POST" ? form.toString() : undefined,
      signal,
    });
  } catch (error) {
    throw new Error(`${method === "POST" ? "Post" : "Get"} "${url.origin}${url.pathname}": ${goNetError(error, url)}`);
  }
}

interface PromAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  warnings?: string[];
  infos?: string[];
  data?: { resultType?: string; result?: unknown };
}

/** The frames of one request's answer, or the error Grafana would report for it (§6-§8). */
async function framesOf(response: Response, request: PrometheusRequest, legendFormat: string): Promise<Frame[]> {
  const text = await response.text();
  if (!(response.ok || [400, 422, 503].includes(response.status))) {
    throw new Error(`unexpected response with status code ${response.status}: ${text.slice(0, 1024)}`);
  }
  let answer: PromAnswer;
  try {
    answer = JSON.parse(text) as PromAnswer;
  } catch {
    throw new Error(`response from prometheus couldn't be parsed. it is non-json: ${text.slice(0, 1024)}`);
  }
  if (answer.status === "error") throw new Error(`${answer.errorType}: ${answer.error}`);
  const notices: Notice[] = [
    ...(answer.warnings ?? []).map((text): Notice => ({ severity: "warning", text })),
    ...(answer.infos ?? []).map((text): Notice => ({ severity: "info", text })),
  ];
  const frames = resultFrames(answer.data?.resultType ?? "", answer.data?.result, request, legendFormat);
  // An empty result is one empty frame (a frame named Warnings when there are notices to carry, §7-§8).
  if (!frames.length) frames.push({ name: notices.length ? "Warnings" : "", fields: [] });
  // The first frame carries what ran (§6).
  const first = frames[0]!;
  const custom = { ...(first.meta?.custom as Record<string, unknown> | undefined), calculatedMinStep: request.stepMs };
  first.meta = { ...first.meta, executedQueryString: `Expr: ${request.expr}\nStep: ${goDuration(request.stepMs)}`, custom };
  if (notices.length) for (const frame of frames) frame.notices = [...(frame.notices ?? []), ...notices];
  return frames;
}

type Series = { metric?: Record<string, string>; values?: [number, string][]; value?: [number, string] };

function resultFrames(resultType: string, result: unknown, request: PrometheusRequest, legendFormat: string): Frame[] {
  if (resultType === "matrix" || resultType === "vector") {
    const matrix = resultType === "matrix";
    return ((result as Series[] | undefined) ?? []).map((series) => {
      const points = matrix ? (series.values ?? []) : series.value ? [series.value] : [];
      const labels = series.metric ?? {};
      const name = seriesName(labels, legendFormat, request.expr);
      const time: Field = { name: "Time", type: "time", values: points.map(([t]) => Math.round(t * 1000)), ...(matrix ? { config: { interval: request.stepMs } } : {}) };
      const value: Field = {
        name: labels.__name__ ?? "Value",
        type: "number",
        frameType: "float64",
        values: points.map(([, v]) => parseGoFloat(v)),
        labels,
        ...(name ? { config: { displayNameFromDS: name } } : {}),
      };
      return { name: "", fields: [time, value], meta: { type: matrix ? "timeseries-multi" : "numeric-multi", typeVersion: [0, 1], custom: { resultType } } };
    });
  }
  if (resultType === "scalar" || resultType === "string") {
    const [t, v] = (result as [number, string] | undefined) ?? [0, ""];
    const value: Field =
      resultType === "scalar" ? { name: "Value", type: "number", frameType: "float64", values: [parseGoFloat(v)], labels: {} } : { name: "Value", type: "string", values: [v], labels: {} };
    return [{ name: "", fields: [{ name: "Time", type: "time", values: [Math.round(t * 1000)] }, value], meta: { type: "numeric-multi", typeVersion: [0, 1], custom: { resultType } } }];
  }
  return [];
}

/** Go's ParseFloat of a sample: NaN, +Inf and -Inf included. */
function parseGoFloat(text: string): number {
  if (/^[+-]?inf$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  return Number(text);
}

/** The series' name (§6.1): Prometheus' own series string, a legend template filled from the labels, or
 *  none for __auto (the browser names it). Exactly `{}` becomes the expression. */
export function seriesName(labels: Record<string, string>, legendFormat: string, expr: string): string {
  let name: string;
  if (legendFormat === "__auto") {
    if (Object.keys(labels).length) return "";
    name = "{}";
  } else if (legendFormat) {
    name = legendFormat.replace(/\{\{\s*(.+?)\s*\}\}/g, (_, label: string) => labels[label] ?? "");
  } else {
    name = promSeriesString(labels);
  }
  return name === "{}" ? expr : name;
}

function promSeriesString(labels: Record<string, string>): string {
  const { __name__: metric = "", ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((key) => `${key}=${JSON.stringify(rest[key])}`);
  if (!pairs.length) return metric || "{}";
  return `${metric}{${pairs.join(", ")}}`;
}

/** Runs a target's requests (range and instant at once when both are set) and answers their frames in
 *  that order. Failures of both are joined with a space, as the library joins them (§7). */
export async function runPrometheusQuery(
  source: PrometheusSource,
  target: PrometheusTarget,
  range: { from: number; to: number },
  signal?: AbortSignal,
): Promise<Frame[]> {
  const requests = prometheusRequests(target, source, range);
  const outcomes = await Promise.allSettled(requests.map(async (request) => framesOf(await send(source, request, signal), request, target.legendFormat ?? "")));
  const errors = outcomes.flatMap((o) => (o.status === "rejected" ? [(o.reason as Error).message] : []));
  if (errors.length) throw new Error(errors.join(" "));
  return outcomes.flatMap((o) => (o.status === "fulfilled" ? o.value : []));
}
