// The Grafana double's datasource health checks: like Grafana's, they really reach the target.
// PostgreSQL as pgx/handler_checkhealth.go (grafana-facts §6.7), Infinity as its CheckHealth
// (infinity-facts §1.4, with the request rules of §1.2-1.3), Prometheus as its healthcheck.go
// (prometheus-facts §10: the instant query 1+1 at 4 s, run like any query).
import postgres from "postgres";
import { runPrometheusQuery } from "../../scripts/lib/check/prometheus/query.ts";
import { UNCONFIRMED } from "./grafana-double-model.ts";

/** A datasource as the double stores it, secrets included (test-only, never returned by the API). */
export interface StoredDatasource {
  id: number;
  uid: string;
  name: string;
  /** As sent: the alias `postgres` stays `postgres` in storage (§2.3). */
  type: string;
  access: string;
  url: string;
  user: string;
  database: string;
  basicAuth: boolean;
  basicAuthUser: string;
  withCredentials: boolean;
  isDefault: boolean;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
  version: number;
  readOnly: boolean;
}

export interface HealthAnswer {
  status: 200 | 400;
  body: { status: "OK" | "ERROR" | "UNKNOWN"; message: string; details?: Record<string, unknown> };
}

const fail = (message: string, details?: Record<string, unknown>): HealthAnswer => ({
  status: 400,
  body: details ? { status: "ERROR", message, details } : { status: "ERROR", message },
});

/** `isAdmin`: Grafana gives Admin callers the detailed PostgreSQL message and details (§6.7).
 *  `defaultSslmode`: what an absent jsonData.sslmode means (not in the facts; the double's UNCONFIRMED). */
export async function postgresHealth(ds: StoredDatasource, isAdmin: boolean, defaultSslmode: string): Promise<HealthAnswer> {
  const [host, port] = splitHostPort(ds.url);
  const database = String(ds.jsonData.database ?? "") || ds.database;
  const sslmode = String(ds.jsonData.sslmode ?? defaultSslmode);
  const sql = postgres({
    host,
    port,
    database,
    user: ds.user,
    password: ds.secureJsonData.password ?? "",
    ssl: sslmode === "disable" ? false : sslmode === "require" ? "require" : "verify-full",
    max: 1,
    connect_timeout: Number(ds.jsonData.connectionTimeout ?? 0) || 10,
    onnotice: () => {},
  });
  try {
    // pgx's Ping opens a connection; the postgres package connects on the first statement.
    await sql`SELECT 1`;
    return { status: 200, body: { status: "OK", message: "Database Connection OK" } };
  } catch (error) {
    const raw = (error as Error).message;
    if (!isAdmin) return fail("failed to connect to server - please inspect Grafana server log for details");
    // Socket errors (ECONNREFUSED, ENOTFOUND...) and the driver's CONNECT_TIMEOUT, not SQLSTATEs.
    const code = String((error as { code?: string }).code ?? "");
    const network = /^E[A-Z]+$/.test(code) || code === "CONNECT_TIMEOUT";
    const message = network ? `Network error: Failed to connect to the server. Error message: ${raw}` : raw;
    return fail(message, { verboseMessage: raw, errorDetailsLink: "https://grafana.com/docs/grafana/latest/datasources/postgres" });
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

function splitHostPort(url: string): [string, number] {
  const match = url.match(/^\[?([^\]]+?)\]?(?::(\d+))?$/);
  return [match?.[1] ?? url, Number(match?.[2] ?? 5432)];
}

export async function infinityHealth(ds: StoredDatasource): Promise<HealthAnswer> {
  const json = ds.jsonData;
  const authMethod = String(json.auth_method ?? "") || (ds.basicAuth ? "basicAuth" : "none");
  const secure = ds.secureJsonData;
  // Settings.Validate() (§1.4 step 2).
  if ((authMethod === "basicAuth" || authMethod === "digestAuth") && !secure.basicAuthPassword) {
    return fail("Health check failed. invalid or empty password detected", { verboseMessage: "invalid settings\ninvalid or empty password detected" });
  }
  if (authMethod === "apiKey" && (!json.apiKeyKey || !secure.apiKeyValue)) {
    return fail("Health check failed. invalid API key specified", { verboseMessage: "invalid settings\ninvalid API key specified" });
  }
  if (authMethod === "bearerToken" && !secure.bearerToken) {
    return fail("Health check failed. invalid or empty bearer token detected", { verboseMessage: "invalid settings\ninvalid or empty bearer token detected" });
  }
  const healthUrl = String(json.customHealthCheckUrl ?? "");
  // Without a custom health check, "Save & test" makes no network call (§1.4 step 5).
  if (json.customHealthCheckEnabled !== true || !healthUrl) return { status: 200, body: { status: "OK", message: "Health check successful" } };

  const base = ds.url === "__IGNORE_URL__" ? "" : ds.url;
  const target = !base || healthUrl.startsWith(base) ? healthUrl : base + healthUrl; // plain concatenation (§1.2)
  const allowed = Array.isArray(json.allowedHosts) ? (json.allowedHosts as string[]) : [];
  if (!allowedHost(target, allowed)) {
    return fail(
      "Health check failed. requested URL not allowed. To allow this URL, update the data source config in the Security tab, Allowed hosts section",
    );
  }
  const headers = infinityHeaders(ds, authMethod);
  const timeoutSeconds = Number(json.timeoutInSeconds ?? 0) > 0 ? Number(json.timeoutInSeconds) : 60;
  let response: Response;
  try {
    response = await fetch(target, { headers, signal: AbortSignal.timeout(timeoutSeconds * 1000) });
  } catch (error) {
    const raw = String((error as Error).message);
    if ((error as Error).name === "TimeoutError") return fail("Health check failed. Network error: timeout", { verboseMessage: raw });
    if (/ENOTFOUND|EAI_AGAIN|Unable to connect.*host/i.test(raw)) return fail("Health check failed. Network error: no such host", { verboseMessage: raw });
    return fail("Health check failed", { verboseMessage: raw });
  }
  const body = await response.text();
  if (response.status >= 400) {
    return fail(`Health check failed. unsuccessful HTTP response code\nstatus code : ${response.status} ${response.statusText}`);
  }
  if (response.status !== 200) {
    return fail("Health check failed", { verboseMessage: `unsuccessful HTTP response code : ${response.status}` });
  }
  if (!body) return fail("Health check failed", { verboseMessage: `empty response body received for the URL ${target}` });
  if ((response.headers.get("content-type") ?? "").includes("json")) {
    try {
      JSON.parse(body);
    } catch (error) {
      return fail("Health check failed", { verboseMessage: `unable to parse response body as JSON. ${(error as Error).message}` });
    }
  }
  return { status: 200, body: { status: "OK", message: "Health check successful" } };
}

export async function prometheusHealth(ds: StoredDatasource): Promise<HealthAnswer> {
  try {
    const frames = await runPrometheusQuery(
      { url: ds.url, jsonData: ds.jsonData },
      { refId: "__healthcheck__", expr: "1+1", instant: true, intervalMs: 0, maxDataPoints: 100 },
      { from: 4000, to: 4000 },
      AbortSignal.timeout(30_000),
    );
    const value = frames.flatMap((frame) => frame.fields.filter((field) => field.name === "Value").flatMap((field) => field.values))[0];
    if (UNCONFIRMED.prometheusHealthChecksValue && value !== 2) throw new Error(`unexpected answer to 1+1: ${String(value)}`);
    return { status: 200, body: { status: "OK", message: "Successfully queried the Prometheus API." } };
  } catch (error) {
    return fail(`${(error as Error).message} - There was an error returned querying the Prometheus API.`);
  }
}

/** allowedHosts (§1.3): empty allows all; else the URL starts with an entry and its host is one of theirs. */
function allowedHost(target: string, allowed: string[]): boolean {
  if (!allowed.length) return true;
  const hosts = new Set(allowed.flatMap((entry) => (URL.canParse(entry) ? [new URL(entry).hostname] : [])));
  const host = URL.canParse(target) ? new URL(target).hostname : "";
  return allowed.some((entry) => target.startsWith(entry)) && hosts.has(host);
}

/** Custom headers, then basic auth, bearer and API key, in Infinity's order (§1.2 step 6). */
function infinityHeaders(ds: StoredDatasource, authMethod: string): Headers {
  const headers = new Headers({ "Accept-Encoding": "gzip" });
  for (const [key, name] of Object.entries(ds.jsonData)) {
    if (!key.startsWith("httpHeaderName") || typeof name !== "string") continue;
    headers.set(name, ds.secureJsonData[key.replace("httpHeaderName", "httpHeaderValue")] ?? "");
  }
  const password = ds.secureJsonData.basicAuthPassword ?? "";
  if (ds.basicAuth && (ds.basicAuthUser || password)) headers.set("Authorization", `Basic ${btoa(`${ds.basicAuthUser}:${password}`)}`);
  if (authMethod === "bearerToken") headers.append("Authorization", `Bearer ${ds.secureJsonData.bearerToken ?? ""}`);
  if (authMethod === "apiKey" && String(ds.jsonData.apiKeyType ?? "header") === "header") {
    headers.append(String(ds.jsonData.apiKeyKey), ds.secureJsonData.apiKeyValue ?? "");
  }
  return headers;
}
