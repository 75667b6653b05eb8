// An Infinity (yesoreyeram-infinity-datasource 3.11.1) JSON query with `parser: "backend"`, evaluated as
// the plugin's Go backend does (infinity-facts §1.2-1.3 request, §3 root selector, columns and frame),
// inside the subset both Infinity's Go libraries and this engine evaluate identically (§4, §7). A target
// outside it is refused by lintInfinityTarget, never guessed.
import jsonata from "jsonata";
import { BadInputError } from "../errors.ts";
import type { Field, Frame } from "./frames.ts";
import {
  compareGoStrings,
  formatFloatV,
  goJsonMarshal,
  goQueryEscape,
  goQueryUnescape,
  parseGoFloat,
  parseGoInt,
} from "./go-format.ts";
import { interpolateTemplate, type TemplateVariable } from "./template.ts";
import { formatMomentUtc, type TimeRange } from "./time-range.ts";

export interface InfinityDatasource {
  /** Top-level base URL (`__IGNORE_URL__` or empty: none). */
  url: string;
  basicAuth?: boolean;
  basicAuthUser?: string;
  jsonData: Record<string, unknown>;
  /** Resolved secureJsonData values (basicAuthPassword, apiKeyValue, bearerToken, httpHeaderValue1, ...). */
  secrets: Record<string, string>;
}

export interface InfinityColumn {
  selector: string;
  text?: string;
  type?: string;
  timestampFormat?: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface InfinityTarget {
  refId?: string;
  type?: string;
  source?: string;
  parser?: string;
  format?: string;
  url?: string;
  url_options?: {
    method?: string;
    params?: KeyValue[];
    headers?: KeyValue[];
    data?: string;
    body_type?: string;
    body_content_type?: string;
  };
  root_selector?: string;
  columns?: InfinityColumn[];
  computed_columns?: Array<{ selector: string; text: string }>;
  filterExpression?: string;
  summarizeExpression?: string;
  summarizeBy?: string;
  pagination_mode?: string;
}

/** A query error as Infinity words it in results.X.error; status is the one the plugin reports. */
export class InfinityQueryError extends Error {
  constructor(
    message: string,
    readonly status: number = 500,
  ) {
    super(message);
    this.name = "InfinityQueryError";
  }
}

export const ALLOWED_HOSTS_MESSAGE =
  "requested URL not allowed. To allow this URL, update the data source config in the Security tab, Allowed hosts section";
const QUERY_ERROR_PREFIX = "error while performing the infinity query. ";
const FRAME_ERROR_PREFIX = "error converting json data to frame: ";
const COLUMN_TYPES = new Set(["string", "number", "boolean", "timestamp", "timestamp_epoch", "timestamp_epoch_s"]);

// ---------------------------------------------------------------------------------------------------
// Lint: the subset

// JSONata functions both jsonata-go 1.8.8 and the JS package evaluate alike (infinity-facts §4 safe subset)
const SAFE_FUNCTIONS = new Set([
  "count", "sum", "max", "min", "average", "map", "filter", "reduce", "exists", "boolean", "not", "length",
  "substring", "substringBefore", "substringAfter", "uppercase", "lowercase", "contains", "split", "join",
  "replace", "round", "floor", "ceil", "abs", "append", "distinct", "reverse", "sort", "merge", "lookup",
  "toMillis", "fromMillis", "number", "trim", "now", "millis",
]);
const GO_ONLY_FUNCTIONS = new Set([
  "objmerge", "sjoin", "unescape", "hashmd5", "hash256", "dateTimeDim", "dateTimeDimLite", "timeSince",
  "objectsToDocument", "oneToManyJoin", "accumulatingSlice", "renameKeys",
]);
const JSONATA_KEYWORDS = new Set(["and", "or", "in", "true", "false", "null", "function"]);
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
  problems.push(...lintRootSelector(target.root_selector ?? ""));
  problems.push(...lintColumns(target.columns ?? []));
  if (target.computed_columns?.length) problems.push("computed_columns are not supported (govaluate expressions): compute the value in the root selector");
  if (target.filterExpression?.trim()) problems.push("filterExpression is not supported (govaluate): select all rows and compute a flag instead");
  if (target.summarizeExpression?.trim() || target.summarizeBy?.trim()) problems.push("summarizeExpression/summarizeBy are not supported");
  return problems;
}

function lintRootSelector(selector: string): string[] {
  const s = selector.trim();
  if (s === "") return [];
  if (/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(s)) {
    const bad = s.split(".").filter((seg) => JSONATA_KEYWORDS.has(seg) || (/^\d/.test(seg) && !/^\d+$/.test(seg)));
    return bad.length ? [`root selector ${JSON.stringify(s)}: segment ${bad.map((b) => JSON.stringify(b)).join(", ")} reads differently in JSONata; use another path`] : [];
  }
  if (s.startsWith("$.") || s.startsWith("$ .")) {
    return [`root selector ${JSON.stringify(s)}: "$.{...}"/"$.path" forms are answered by gjson first (it returns {} or the wrong value); use $map($, function($v){ ... })`];
  }
  if (!/^\$[A-Za-z_]\w*\s*\(/.test(s)) {
    return [`root selector ${JSON.stringify(s)} is neither a plain dotted path (a.b.c) nor a JSONata expression starting with a function call such as $map(`];
  }
  return lintJsonata(s);
}

function lintJsonata(expression: string): string[] {
  const problems: string[] = [];
  const where = `root selector ${JSON.stringify(expression)}`;
  if (expression.includes("/*")) problems.push(`${where}: comments are refused (jsonata-go strips /* */ even inside strings)`);
  const code = blankStrings(expression);
  if (code === undefined) return [`${where}: unterminated string literal`];
  const checks: Array<[RegExp, string]> = [
    [/\?\?/, `"??" (JSONata 2.1) does not exist in jsonata-go`],
    [/\?:/, `"?:" (JSONata 2.1) does not exist in jsonata-go`],
    [/%/, `"%" is the parent operator in JS JSONata but modulo in jsonata-go`],
    [/#/, `"#$" positional binding does not exist in jsonata-go`],
    [/@/, `"@$" context binding does not exist in jsonata-go ("@" is a join there)`],
    [/\|/, `the transform operator "|...|" is outside the subset`],
    [/\*\*/, `"**" descends in object-key order, which is random in jsonata-go`],
  ];
  for (const [pattern, message] of checks) if (pattern.test(code)) problems.push(`${where}: ${message}`);
  if (isWildcardUsed(code)) problems.push(`${where}: the "*" wildcard walks object keys, whose order is random in jsonata-go`);
  if (/(^|[(,[:?])\s*\/[^/*]/.test(code)) problems.push(`${where}: regular expressions are outside the subset (Go RE2 differs from JavaScript)`);
  for (const match of code.matchAll(/\$(\w+)\s*\(/g)) {
    const name = match[1]!;
    if (name === "string") problems.push(`${where}: $string() is refused (jsonata-go sorts object keys and formats numbers differently)`);
    else if (["keys", "each", "spread", "sift"].includes(name)) problems.push(`${where}: $${name}() depends on object key order, random in jsonata-go`);
    else if (["formatInteger", "parseInteger", "assert"].includes(name)) problems.push(`${where}: $${name}() does not exist in jsonata-go`);
    else if (name === "eval") problems.push(`${where}: $eval() takes its arguments in reverse order in jsonata-go`);
    else if (GO_ONLY_FUNCTIONS.has(name)) problems.push(`${where}: $${name}() exists only in jsonata-go`);
    else if (!SAFE_FUNCTIONS.has(name)) problems.push(`${where}: $${name}() is not in the subset both JSONata engines agree on`);
  }
  return problems;
}

// Replaces the contents of '...', "..." and `...` with spaces so that operators inside strings are ignored.
function blankStrings(text: string): string | undefined {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" && c !== "`" ? 2 : 1;
      if (j >= text.length) return undefined;
      out += c + " ".repeat(j - i - 1) + c;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// "*" is multiplication after a value (name, number, ")" "]" or a string) and a wildcard elsewhere
function isWildcardUsed(code: string): boolean {
  for (let i = 0; i < code.length; i++) {
    if (code[i] !== "*" || code[i + 1] === "*" || code[i - 1] === "*") continue;
    const before = code.slice(0, i).trimEnd();
    const prev = before[before.length - 1];
    if (prev === undefined || !/[A-Za-z0-9_)\]'"`$]/.test(prev)) return true;
  }
  return false;
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

// ---------------------------------------------------------------------------------------------------
// Variables (browser) and macros (backend)

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

/** infinity-libs macros: ${__from}, ${__to}, ${__timeFrom}, ${__timeTo} with :date, :date:iso, :date:seconds, :date:<moment>. */
export function applyInfinityMacros(text: string, range: TimeRange): string {
  return text.replace(/\$\{__(from|to|timeFrom|timeTo)(?::([^}]*))?\}/g, (_match, which: string, format?: string) => {
    const date = which === "from" || which === "timeFrom" ? range.from : range.to;
    if (!format) return String(date.getTime());
    const [kind, ...args] = format.split(":");
    if (kind !== "date") return _match;
    const arg = args.join(":");
    if (arg === "" || arg === "iso") return goIsoMillis(date);
    if (arg === "seconds") return String(Math.floor(date.getTime() / 1000));
    return formatMomentUtc(date, arg);
  });
}

// Go layout 2006-01-02T15:04:05.999Z: milliseconds without trailing zeros, none when zero
function goIsoMillis(date: Date): string {
  const [base, frac] = date.toISOString().slice(0, -1).split(".") as [string, string];
  const trimmed = frac.replace(/0+$/, "");
  return `${base}${trimmed ? `.${trimmed}` : ""}Z`;
}

// ---------------------------------------------------------------------------------------------------
// Request

export interface InfinityRequest {
  url: string;
  /** In the order Infinity sets them (names canonicalised as Go does). */
  headers: Array<[string, string]>;
  timeoutMs: number;
}

const HOP_BY_HOP = new Set(["host", "content-length", "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]);

interface Settings {
  baseUrl: string;
  authMethod: string;
  allowedHosts: string[];
  customHeaders: Array<[string, string]>;
  secureQuery: Array<[string, string]>;
}

function loadSettings(ds: InfinityDatasource): Settings {
  const json = ds.jsonData;
  const baseUrl = ds.url === "__IGNORE_URL__" ? "" : (ds.url ?? "");
  let authMethod = typeof json.auth_method === "string" ? json.auth_method : "";
  if (authMethod === "") authMethod = ds.basicAuth ? "basicAuth" : json.oauthPassThru ? "oauthPassThru" : "none";
  const pairs = (namePrefix: string, valuePrefix: string) =>
    Object.keys(json)
      .filter((key) => key.startsWith(namePrefix) && typeof json[key] === "string" && json[key] !== "")
      .map((key): [string, string] => [json[key] as string, ds.secrets[valuePrefix + key.slice(namePrefix.length)] ?? ""]);
  return {
    baseUrl,
    authMethod,
    allowedHosts: Array.isArray(json.allowedHosts) ? json.allowedHosts.filter((h): h is string => typeof h === "string") : [],
    customHeaders: pairs("httpHeaderName", "httpHeaderValue"),
    secureQuery: pairs("secureQueryName", "secureQueryValue"),
  };
}

// InfinitySettings.Validate: what the plugin refuses before any request (status 403)
function validateSettings(ds: InfinityDatasource, settings: Settings): void {
  const json = ds.jsonData;
  const supported = ["none", "basicAuth", "apiKey", "bearerToken"];
  if (!supported.includes(settings.authMethod)) {
    throw new BadInputError(`auth_method ${settings.authMethod} is not supported by the check engine (supported: ${supported.join(", ")})`);
  }
  if (settings.authMethod === "basicAuth" && !ds.secrets.basicAuthPassword) {
    throw new InfinityQueryError("invalid or empty password detected", 403);
  }
  if (settings.authMethod === "apiKey" && (!json.apiKeyKey || !ds.secrets.apiKeyValue)) throw new InfinityQueryError("invalid API key specified", 403);
  if (settings.authMethod === "bearerToken" && !ds.secrets.bearerToken) throw new InfinityQueryError("invalid or empty bearer token detected", 403);
  const allowedHostsRequired =
    settings.baseUrl === "" &&
    (settings.authMethod !== "none" ||
      Boolean(json.tlsAuth) ||
      Boolean(json.tlsAuthWithCACert) ||
      settings.customHeaders.some(([name]) => !["accept", "content-type"].includes(name.toLowerCase())) ||
      settings.secureQuery.length > 0 ||
      (Array.isArray(json.keepCookies) && json.keepCookies.length > 0));
  if (allowedHostsRequired && settings.allowedHosts.length === 0) throw new InfinityQueryError(ALLOWED_HOSTS_MESSAGE, 403);
}

/** The URL, headers and timeout Infinity's backend would use for this (already variable-interpolated) target. */
export function buildInfinityRequest(ds: InfinityDatasource, target: InfinityTarget, options: { range: TimeRange; timeoutMs?: number }): InfinityRequest {
  const settings = loadSettings(ds);
  validateSettings(ds, settings);
  const json = ds.jsonData;
  const queryUrl = applyInfinityMacros(target.url ?? "", options.range);
  if (queryUrl === "" && settings.baseUrl === "") throw new BadInputError("the Infinity query has no URL and its datasource no base URL");
  let url = queryUrl.startsWith(settings.baseUrl) ? queryUrl : settings.baseUrl + queryUrl;
  for (const [name, value] of settings.secureQuery) url = url.replaceAll(`\${__qs.${name}}`, value);

  const [withoutFragment, fragment] = splitOnce(url, "#");
  const [location, rawQuery] = splitOnce(withoutFragment, "?");
  checkParsable(location, url);
  const query = parseGoQuery(rawQuery ?? "");
  for (const param of target.url_options?.params ?? []) {
    addQuery(query, param.key, applyInfinityMacros(param.value, options.range));
  }
  for (const [name, value] of settings.secureQuery) query.set(name, [value]);
  if (settings.authMethod === "apiKey" && json.apiKeyType === "query") query.set(String(json.apiKeyKey), [ds.secrets.apiKeyValue ?? ""]);
  let encoded = [...query.keys()]
    .sort(compareGoStrings)
    .flatMap((key) => query.get(key)!.map((value) => `${goQueryEscape(key)}=${goQueryEscape(value)}`))
    .join("&");
  if (json.pathEncodedUrlsEnabled) encoded = encoded.replaceAll("+", "%20");
  let finalUrl = `${location}${encoded ? `?${encoded}` : ""}${fragment !== undefined ? `#${fragment}` : ""}`;
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(finalUrl)) finalUrl = `${finalUrl.startsWith("localhost") ? "http" : "https"}://${finalUrl}`;

  const headers = new GoHeaders();
  headers.set("Accept", "application/json;q=0.9,text/plain");
  headers.set("Accept-Encoding", "gzip");
  for (const [name, value] of settings.customHeaders) headers.set(name, value);
  for (const header of target.url_options?.headers ?? []) {
    const lower = header.key.toLowerCase();
    if (lower === "accept" || lower === "content-type") headers.set(header.key, header.value);
    else headers.add(header.key, header.value);
  }
  const user = ds.basicAuthUser ?? "";
  const password = ds.secrets.basicAuthPassword ?? "";
  if (ds.basicAuth && (user !== "" || password !== "")) {
    headers.set("Authorization", `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`);
  }
  if (settings.authMethod === "bearerToken") headers.add("Authorization", `Bearer ${ds.secrets.bearerToken}`);
  if (settings.authMethod === "apiKey" && json.apiKeyType !== "query") headers.add(String(json.apiKeyKey), ds.secrets.apiKeyValue ?? "");

  if (!canAllowUrl(finalUrl, settings.allowedHosts)) throw new InfinityQueryError(ALLOWED_HOSTS_MESSAGE, 403);
  const seconds = typeof json.timeoutInSeconds === "number" && json.timeoutInSeconds > 0 ? json.timeoutInSeconds : 60;
  return { url: finalUrl, headers: headers.entries(), timeoutMs: Math.min(seconds * 1000, options.timeoutMs ?? Infinity) };
}

// CanAllowURL: an empty list allows all; else the URL must start with an entry and its host be one of the entries' hosts
function canAllowUrl(url: string, allowedHosts: string[]): boolean {
  if (allowedHosts.length === 0) return true;
  const hostname = (text: string) => {
    try {
      return new URL(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) ? text : `https://${text}`).hostname;
    } catch {
      return undefined;
    }
  };
  const hosts = new Set(allowedHosts.map(hostname).filter((h) => h !== undefined));
  const host = hostname(url);
  return allowedHosts.some((entry) => url.startsWith(entry)) && host !== undefined && hosts.has(host);
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const i = text.indexOf(separator);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

// A base URL glued to an absolute query URL (http://a:1http://b:1/x) fails url.Parse with "invalid port"
function checkParsable(location: string, url: string): void {
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/]*)/.exec(location)?.[1];
  if (authority === undefined) return;
  const colon = authority.indexOf(":", authority.lastIndexOf("]") + 1);
  if (colon >= 0 && !/^\d*$/.test(authority.slice(colon + 1))) {
    throw new InfinityQueryError(`${QUERY_ERROR_PREFIX}error preparing request. parse "${url}": invalid port "${authority.slice(colon)}" after host`);
  }
}

// url.ParseQuery: pairs split on "&", a pair with ";" or a bad escape is dropped
function parseGoQuery(raw: string): Map<string, string[]> {
  const query = new Map<string, string[]>();
  for (const pair of raw.split("&")) {
    if (pair === "" || pair.includes(";")) continue;
    const [rawKey, rawValue = ""] = splitOnce(pair, "=");
    const key = goQueryUnescape(rawKey);
    const value = goQueryUnescape(rawValue);
    if (key === undefined || value === undefined) continue;
    addQuery(query, key, value);
  }
  return query;
}

function addQuery(query: Map<string, string[]>, key: string, value: string): void {
  const values = query.get(key);
  if (values) values.push(value);
  else query.set(key, [value]);
}

// net/http.Header: canonical names, Set replaces, Add appends; hop-by-hop headers are dropped
class GoHeaders {
  private readonly order: string[] = [];
  private readonly values = new Map<string, string[]>();

  set(name: string, value: string) {
    const key = canonicalHeaderName(name);
    if (HOP_BY_HOP.has(key.toLowerCase()) || key.toLowerCase().startsWith("x-forwarded-")) return;
    if (!this.values.has(key)) this.order.push(key);
    this.values.set(key, [value]);
  }

  add(name: string, value: string) {
    const key = canonicalHeaderName(name);
    if (HOP_BY_HOP.has(key.toLowerCase()) || key.toLowerCase().startsWith("x-forwarded-")) return;
    if (!this.values.has(key)) {
      this.order.push(key);
      this.values.set(key, []);
    }
    this.values.get(key)!.push(value);
  }

  entries(): Array<[string, string]> {
    return this.order.flatMap((key) => this.values.get(key)!.map((v): [string, string] => [key, v]));
  }
}

function canonicalHeaderName(name: string): string {
  return name
    .split("-")
    .map((part) => (part ? part[0]!.toUpperCase() + part.slice(1).toLowerCase() : part))
    .join("-");
}

// ---------------------------------------------------------------------------------------------------
// Running

/** Runs the target against its source as Infinity's backend would, returning its frame (named by refId). */
export async function runInfinityQuery(
  datasource: InfinityDatasource,
  target: InfinityTarget,
  options: { range: TimeRange; timeoutMs?: number },
): Promise<Frame> {
  const problems = lintInfinityTarget(target);
  if (problems.length) throw new BadInputError("Infinity query outside the subset the check engine evaluates", problems);
  const request = buildInfinityRequest(datasource, target, options);
  const body = await fetchJson(request);
  return frameFromJson(body, target);
}

async function fetchJson(request: InfinityRequest): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs);
  let status: number;
  let statusText: string;
  let bytes: Uint8Array;
  try {
    const response = await fetch(request.url, { headers: request.headers, redirect: "follow", signal: controller.signal });
    status = response.status;
    statusText = response.statusText;
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    const cause = controller.signal.aborted
      ? "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
      : (error as Error).message;
    throw new InfinityQueryError(
      `${QUERY_ERROR_PREFIX}error getting response from url ${request.url}. no response received. Error: Get "${request.url}": ${cause}`,
      controller.signal.aborted ? 504 : 502,
    );
  } finally {
    clearTimeout(timer);
  }
  if (status >= 400) {
    throw new InfinityQueryError(`${QUERY_ERROR_PREFIX}unsuccessful HTTP response code\nstatus code : ${`${status} ${statusText}`.trim()}`);
  }
  if (bytes.length === 0) throw new InfinityQueryError(`${QUERY_ERROR_PREFIX}empty response body received for the URL ${request.url}`);
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const text = new TextDecoder().decode(hasBom ? bytes.subarray(3) : bytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = text.trim() === "" ? "unexpected end of JSON input" : (error as Error).message;
    throw new InfinityQueryError(`${QUERY_ERROR_PREFIX}unable to parse response body as JSON. ${reason}`);
  }
}

/** jsonframer + gframer on an already parsed body: root selector, per-row column paths, typed fields. */
export async function frameFromJson(body: unknown, target: InfinityTarget): Promise<Frame> {
  const name = target.refId || "response";
  const columns = target.columns ?? [];
  // outside the subset gjson may answer first ($.{...} gives {}), so the engine refuses rather than guesses
  const rootProblems = lintRootSelector(target.root_selector ?? "");
  if (rootProblems.length) throw new BadInputError("Infinity root selector outside the subset the check engine evaluates", rootProblems);
  const root = await selectRoot(body, target.root_selector ?? "", columns.length > 0);
  if (columns.length === 0) return { name, fields: framerWithoutColumns(root, name) };
  const rows = Array.isArray(root) ? root : isObject(root) ? [root] : [];
  const records = rows.map((row) => new Map(columns.map((c) => [c.text || c.selector, gjsonGet(row, c.selector).value ?? null])));
  return { name, fields: framerWithColumns(records, columns) };
}

type RootSelection = unknown;

async function selectRoot(body: unknown, selector: string, withColumns: boolean): Promise<RootSelection> {
  if (selector.trim() === "") return body;
  // gjson first: a selector it resolves is never given to JSONata
  const found = gjsonRootLookup(body, selector);
  if (found.exists) return reparseGjsonText(found.value, withColumns);
  let expression: ReturnType<typeof jsonata>;
  try {
    expression = jsonata(selector);
  } catch (error) {
    throw frameError(`failed to compile JSONata expression\n${jsonataMessage(error)}`);
  }
  let result: unknown;
  try {
    result = await expression.evaluate(body);
  } catch (error) {
    throw frameError(`error evaluating JSONata expression\n${jsonataMessage(error)}`);
  }
  if (result === undefined) throw frameError("error evaluating JSONata expression\nno results found");
  return JSON.parse(JSON.stringify(result) ?? "null");
}

function frameError(reason: string): InfinityQueryError {
  return new InfinityQueryError(`${QUERY_ERROR_PREFIX}${FRAME_ERROR_PREFIX}${reason}`);
}

function jsonataMessage(error: unknown): string {
  const e = error as { message?: string; position?: number };
  return `${e.message ?? String(error)}${typeof e.position === "number" ? `, position: ${e.position}` : ""}`;
}

// gjson's Result.String() is unquoted text for strings and "" for null; the framer parses that text again
function reparseGjsonText(value: unknown, withColumns: boolean): RootSelection {
  if (typeof value !== "string" && value !== null) return value;
  const text = value ?? "";
  try {
    return JSON.parse(text);
  } catch {
    if (withColumns) return undefined; // a scalar root: zero rows
    throw frameError("error while un-marshaling response");
  }
}

// The root selector reaches gjson as the whole path; only plain dotted paths can resolve (a leading "$"
// never matches a key unless the document has keys starting with "$", which the engine refuses).
function gjsonRootLookup(body: unknown, selector: string): { exists: boolean; value?: unknown } {
  if (selector.startsWith("$")) {
    if (isObject(body) && Object.keys(body).some((k) => k.startsWith("$"))) {
      throw new BadInputError(`the document has keys starting with "$": gjson may answer the root selector ${JSON.stringify(selector)} before JSONata`);
    }
    return { exists: false };
  }
  return gjsonGet(body, selector);
}

/** The gjson subset: a.b.c, a.0 (index), a.# (length), a.#.b (map), a\.b (literal dot). */
export function gjsonGet(value: unknown, path: string): { exists: boolean; value?: unknown } {
  const segments = path.split(/(?<!\\)\./).map((s) => s.replace(/\\(.)/g, "$1"));
  return walk(value, segments);
}

function walk(value: unknown, segments: string[]): { exists: boolean; value?: unknown } {
  if (segments.length === 0) return { exists: true, value };
  const [head, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(value)) {
    if (head === "#") {
      if (rest.length === 0) return { exists: true, value: value.length };
      return { exists: true, value: value.map((item) => walk(item, rest)).filter((r) => r.exists).map((r) => r.value) };
    }
    if (/^\d+$/.test(head)) {
      const index = Number(head);
      return index < value.length ? walk(value[index], rest) : { exists: false };
    }
    return { exists: false };
  }
  if (isObject(value) && Object.hasOwn(value, head)) return walk(value[head], rest);
  return { exists: false };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Kind = "number" | "string" | "boolean" | "json";

function kindOf(value: unknown): Kind | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "number") return "number";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  return "json";
}

// gframer sliceToFrame for rows of column maps: fields sorted by name, the first non-null value decides
function framerWithColumns(records: Array<Map<string, unknown>>, columns: InfinityColumn[]): Field[] {
  if (records.length === 0) return [];
  const names = [...new Set(columns.map((c) => c.text || c.selector))].sort(compareGoStrings);
  const fields: Field[] = [];
  for (const name of names) {
    const values = records.map((r) => r.get(name) ?? null);
    const kind = values.map(kindOf).find((k) => k !== undefined);
    if (kind === "json") {
      // objects and arrays: JSON text in a string field, whatever the column type ("null" for null)
      fields.push({ name, type: "string", values: values.map((v) => goJsonMarshal(v)) });
      continue;
    }
    for (const column of columns.filter((c) => (c.text || c.selector) === name)) {
      fields.push(coerceField(name, values, column.type ?? "", kind));
    }
  }
  return fields;
}

function coerceField(name: string, values: unknown[], type: string, inferred: Kind | undefined): Field {
  switch (type) {
    case "string":
      return {
        name,
        type: "string",
        values: values.map((v) => (typeof v === "string" ? v : typeof v === "number" ? formatFloatV(v) : typeof v === "boolean" ? String(v) : null)),
      };
    case "number":
      return {
        name,
        type: "number",
        frameType: "float64",
        values: values.map((v) => (typeof v === "number" ? v : typeof v === "string" ? (parseGoFloat(v) ?? null) : null)),
      };
    case "boolean":
      // "true" in any case is true; anything else that is not a bool is null, never false
      return { name, type: "boolean", values: values.map((v) => (typeof v === "boolean" ? v : typeof v === "string" && v.toLowerCase() === "true" ? true : null)) };
    case "timestamp":
      return { name, type: "time", values: values.map(timestampValue) };
    case "timestamp_epoch":
      return { name, type: "time", values: values.map((v) => epochValue(v, 1)) };
    case "timestamp_epoch_s":
      return { name, type: "time", values: values.map((v) => epochValue(v, 1000)) };
    default:
      return inferredField(name, values, inferred);
  }
}

function inferredField(name: string, values: unknown[], inferred: Kind | undefined): Field {
  const kind = inferred ?? "string";
  if (values.some((v) => v !== null && kindOf(v) !== kind)) {
    // the SDK's typed vector panics on a mismatched value; the whole QueryData call fails
    throw new InfinityQueryError(`${QUERY_ERROR_PREFIX}field ${JSON.stringify(name)} mixes value types without an explicit column type; the plugin would panic and fail the whole request`);
  }
  const type = kind === "number" ? "number" : kind === "boolean" ? "boolean" : "string";
  return { name, type, ...(kind === "number" ? { frameType: "float64" } : {}), values: [...values] };
}

function epochValue(value: unknown, unitMs: number): number | null {
  if (typeof value === "number") return Math.trunc(value) * unitMs;
  if (typeof value === "string") {
    const n = parseGoInt(value);
    return n === undefined ? null : n * unitMs;
  }
  return null;
}

// anyToNullableTimestamp: numbers are printed %.0f and parsed with layout "2006" (a year); strings
// go through utils.GetTimeFromString's layouts.
function timestampValue(value: unknown): number | null {
  if (typeof value === "number") {
    const text = roundHalfEven(value);
    return /^\d{4}$/.test(text) ? Date.UTC(Number(text), 0, 1) : null;
  }
  if (typeof value === "string" && value !== "") return parseGoTimeString(value);
  return null;
}

function roundHalfEven(value: number): string {
  const floor = Math.floor(value);
  const diff = value - floor;
  const rounded = diff > 0.5 || (diff === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return rounded.toFixed(0);
}

const DATE_LAYOUTS: Array<{ pattern: string; order: "ymd" | "mdy" }> = [
  { pattern: "(\\d{4})-(\\d{2})-(\\d{2})", order: "ymd" },
  { pattern: "(\\d{4})-(\\d{1,2})-(\\d{1,2})", order: "ymd" },
  { pattern: "(\\d{4})/(\\d{2})/(\\d{2})", order: "ymd" },
  { pattern: "(\\d{4})/(\\d{1,2})/(\\d{1,2})", order: "ymd" },
  { pattern: "(\\d{2})/(\\d{2})/(\\d{4})", order: "mdy" },
  { pattern: "(\\d{1,2})/(\\d{1,2})/(\\d{4})", order: "mdy" },
];
// "" | 15:04 | 15:04:05.999999 | 15:04:05.999999Z | 15:04:05.999999 -07:00 | 15:04:05 MST
const TIME_LAYOUT = "(?:[T ](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d+))?(?:(Z)|( [+-]\\d{2}:\\d{2})| ([A-Z]{3,5}))?)?)?";

/** utils.GetTimeFromString without a user layout: epoch ms (UTC unless the text carries a zone) or null. */
export function parseGoTimeString(text: string): number | null {
  const rfc = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (rfc) {
    const [, y, mo, d, h, mi, s, frac = "", zone] = rfc;
    return utcOrNull(+y!, +mo!, +d!, +h!, +mi!, +s!, frac, zone === "Z" ? undefined : zone);
  }
  if (/^\d{4}$/.test(text)) return Date.UTC(Number(text), 0, 1);
  for (const layout of DATE_LAYOUTS) {
    const m = new RegExp(`^${layout.pattern}${TIME_LAYOUT}$`).exec(text);
    if (!m) continue;
    // an unknown zone abbreviation (15:04:05 MST) is taken with a zero offset, as Go does
    const [, a, b, c, h, mi, s, frac = "", , offset] = m;
    const [y, mo, d] = layout.order === "ymd" ? [+a!, +b!, +c!] : [+c!, +a!, +b!];
    const result = utcOrNull(y, mo, d, h === undefined ? 0 : +h, mi === undefined ? 0 : +mi, s === undefined ? 0 : +s, frac, offset?.trim());
    if (result !== null) return result;
  }
  const month = /^(?:(\d{4})[-/](\d{2})|(\d{2})[-/](\d{4}))$/.exec(text);
  if (month) {
    const y = Number(month[1] ?? month[4]);
    const mo = Number(month[2] ?? month[3]);
    return mo >= 1 && mo <= 12 ? Date.UTC(y, mo - 1, 1) : null;
  }
  return null;
}

function utcOrNull(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string, offset?: string): number | null {
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s, Number(frac.padEnd(3, "0").slice(0, 3)));
  if (new Date(ms).getUTCDate() !== d) return null;
  if (!offset) return ms;
  const sign = offset.startsWith("-") ? -1 : 1;
  const [oh, om] = offset.slice(1).split(":").map(Number) as [number, number];
  return ms - sign * (oh * 60 + om) * 60_000;
}

// gframer.ToDataFrame on the whole selection when no columns are given
function framerWithoutColumns(root: RootSelection, name: string): Field[] {
  if (Array.isArray(root)) return sliceFields(root, name);
  if (isObject(root)) {
    return Object.keys(root)
      .sort(compareGoStrings)
      .map((key) => {
        const value = root[key] ?? null;
        const kind = kindOf(value);
        if (kind === "json") return { name: key, type: "string" as const, values: [goJsonMarshal(value)] };
        return inferredField(key, [value], kind);
      });
  }
  // a scalar (or null): one field named after the frame, one row
  return [inferredField(name, [root ?? null], kindOf(root))];
}

function sliceFields(items: unknown[], name: string): Field[] {
  if (items.length === 0) return [];
  const first = items.find((item) => item !== null && item !== undefined);
  if (first === undefined) return [{ name, type: "string", values: items.map(() => null) }];
  if (Array.isArray(first)) return [{ name, type: "string", values: items.map((item) => goJsonMarshal(item)) }];
  if (!isObject(first)) return [inferredField(name, items.map((i) => i ?? null), kindOf(first))];
  const keys = new Set<string>();
  for (const item of items) if (isObject(item)) for (const key of Object.keys(item)) keys.add(key);
  return [...keys].sort(compareGoStrings).map((key) => {
    const values = items.map((item) => (isObject(item) && Object.hasOwn(item, key) ? (item[key] ?? null) : null));
    const kind = values.map(kindOf).find((k) => k !== undefined);
    if (kind === "json") return { name: key, type: "string" as const, values: values.map((v) => goJsonMarshal(v)) };
    return inferredField(key, values, kind);
  });
}
