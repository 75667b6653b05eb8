// The HTTP request Infinity's backend builds for a JSON query (infinity-facts §1.2-1.3): the base URL
// joined, the backend macros, query parameters and headers in Go's order and canonical form, auth from the
// datasource, allowedHosts, the timeout; then the answer read as the plugin reads it.
import { badInput } from "../../errors.ts";
import { compareGoStrings, formatRfc3339Nano, goQueryEscape, goQueryUnescape } from "../go-format.ts";
import { goJsonSyntaxError } from "../go-json.ts";
import { goNetError } from "../go-net.ts";
import { formatMomentUtc, type TimeRange } from "../time-range.ts";
import { ALLOWED_HOSTS_MESSAGE, type InfinityDatasource, InfinityQueryError, type InfinityTarget, QUERY_ERROR_PREFIX } from "./types.ts";

/** infinity-libs macros: ${__from}, ${__to}, ${__timeFrom}, ${__timeTo} with :date, :date:iso, :date:seconds, :date:<moment>. */
export function applyInfinityMacros(text: string, range: TimeRange): string {
  return text.replace(/\$\{__(from|to|timeFrom|timeTo)(?::([^}]*))?\}/g, (_match, which: string, format?: string) => {
    const date = which === "from" || which === "timeFrom" ? range.from : range.to;
    if (!format) return String(date.getTime());
    const [kind, ...args] = format.split(":");
    if (kind !== "date") return _match;
    const arg = args.join(":");
    // Go layout 2006-01-02T15:04:05.999Z: RFC3339Nano, the same text at millisecond precision
    if (arg === "" || arg === "iso") return formatRfc3339Nano(date);
    if (arg === "seconds") return String(Math.floor(date.getTime() / 1000));
    return formatMomentUtc(date, arg);
  });
}

export interface InfinityRequest {
  url: string;
  /** In the order Infinity sets them (names canonicalised as Go does). */
  headers: Array<[string, string]>;
  timeoutMs: number;
  /** The datasource's ignoreStatusCodeCheck: an answer of status 400 or more is read like any other. */
  ignoreStatusCodeCheck?: boolean;
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
    throw badInput(`auth_method ${settings.authMethod} is not supported by the check engine (supported: ${supported.join(", ")})`);
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
  if (queryUrl === "" && settings.baseUrl === "") throw badInput("the Infinity query has no URL and its datasource no base URL");
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
  return {
    url: finalUrl,
    headers: headers.entries(),
    timeoutMs: Math.min(seconds * 1000, options.timeoutMs ?? Infinity),
    ...(json.ignoreStatusCodeCheck === true ? { ignoreStatusCodeCheck: true } : {}),
  };
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

/** Sends the request and reads the answer as Infinity's backend does: status, empty body, BOM, JSON. */
export async function fetchJson(request: InfinityRequest): Promise<unknown> {
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
      : goNetError(error, new URL(request.url));
    throw new InfinityQueryError(
      `${QUERY_ERROR_PREFIX}error getting response from url ${request.url}. no response received. Error: Get "${request.url}": ${cause}`,
      controller.signal.aborted ? 504 : 502,
    );
  } finally {
    clearTimeout(timer);
  }
  if (status >= 400 && !request.ignoreStatusCodeCheck) {
    throw new InfinityQueryError(`${QUERY_ERROR_PREFIX}unsuccessful HTTP response code\nstatus code : ${`${status} ${statusText}`.trim()}`);
  }
  if (bytes.length === 0) throw new InfinityQueryError(`${QUERY_ERROR_PREFIX}empty response body received for the URL ${request.url}`);
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hasBom ? bytes.subarray(3) : bytes;
  // Go's json.Unmarshal wording, which is what the panel shows in Grafana
  const syntaxError = goJsonSyntaxError(body);
  if (syntaxError) throw new InfinityQueryError(`${QUERY_ERROR_PREFIX}unable to parse response body as JSON. ${syntaxError}`);
  return JSON.parse(new TextDecoder().decode(body));
}
