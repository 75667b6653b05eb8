// What the monitor reads every interval: each service's /health, model-service's training status and
// the exchange WebSocket fields of ws-gateway's /health. Each request is built from the same datasource
// definitions Grafana and `check` use (grafana/datasources.ts: URL, auth header, timeout) by check's own
// Infinity request code, so the monitor sees what the panels see, with the same timeouts.
import { DATASOURCE_UIDS, type DatasourceKey, datasourceDefinitions, datasourceSecrets } from "../../../grafana/datasources.ts";
import { buildInfinityRequest, fetchJson, type InfinityRequest } from "../check/infinity/request.ts";
import { InfinityQueryError, isObject } from "../check/infinity/types.ts";
import type { Config, ServiceName } from "../config.ts";
import { HEALTH_ENDPOINTS } from "../services.ts";
import { LINK_STATES, SERVICE_STATES } from "../../../prometheus/metrics.ts";

/** A service's state as the monitor exports it (ytrader_service_status) and records it (events); the
 *  exchange link's as ws-gateway reports it (ytrader_exchange_link_state). Defined with the metrics. */
export { LINK_STATES, SERVICE_STATES };
export type ServiceState = (typeof SERVICE_STATES)[number];
export type LinkState = (typeof LINK_STATES)[number];

export interface ServiceReading {
  service: ServiceName;
  state: ServiceState;
  /** Why it is not healthy, in the words of the request or the body; null when healthy. */
  reason: string | null;
  /** The /health body, when one was read. */
  body: Record<string, unknown> | null;
  seconds: number;
}

export interface LinkReading {
  state: LinkState;
  /** ws-gateway's own reconnect count (websocket_state.reconnection_count); null when it does not expose one. */
  reportedReconnects: number | null;
  lastError: string | null;
  lastHeartbeat: Date | null;
  /** websocket_last_message_at of a newer gateway: when the link last delivered a message. */
  lastMessageAt: Date | null;
}

export interface TrainingReading {
  inProgress: boolean;
  strategyId: string | null;
  modelVersion: string | null;
  queueSize: number;
}

/** One reading of a source that may fail; the failure's text is kept for /healthz and the error counter. */
export type Outcome<T> =
  | { ok: true; value: T; seconds: number }
  /** answered: false when nothing answered at all (connection refused, timed out). */
  | { ok: false; error: string; seconds: number; answered: boolean };

/** One HTTP source: its datasource and path, as Grafana's Infinity plugin would request it. */
export function sourceRequest(config: Config, key: DatasourceKey, path: string): InfinityRequest {
  const definition = datasourceDefinitions(config).find((ds) => ds.uid === DATASOURCE_UIDS[key]);
  if (!definition) throw new Error(`no datasource ${key}`);
  const { secrets } = datasourceSecrets(definition, config.values);
  const now = new Date();
  return buildInfinityRequest(
    { url: definition.url, basicAuth: definition.basicAuth, basicAuthUser: definition.basicAuthUser, jsonData: definition.jsonData, secrets },
    { url: path },
    { range: { from: now, to: now, raw: { from: "now", to: "now" } } },
  );
}

/** Fetches a source's JSON, timing it; a failure is an outcome, never thrown. */
export async function readJson(request: InfinityRequest): Promise<Outcome<unknown>> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const value = await fetchJson(request);
    return { ok: true, value, seconds: seconds() };
  } catch (error) {
    // fetchJson's 502 and 504 are no answer at all; an HTTP error or a body that is not JSON is an
    // answer: the service runs but is not well.
    const status = error instanceof InfinityQueryError ? error.status : 0;
    return { ok: false, error: (error as Error).message, seconds: seconds(), answered: status !== 502 && status !== 504 };
  }
}

/** A health body's state. Every /health answers 200 even when unhealthy, so the body decides;
 *  position-manager says "degraded", never "unhealthy"; dashboard-api's /ready says "ready" (healthy) or,
 *  with HTTP 503, "not ready". */
export function serviceState(body: unknown, healthyWord = "healthy"): { state: ServiceState; reason: string | null } {
  if (!isObject(body)) return { state: "unhealthy", reason: "the /health body is not a JSON object" };
  const status = body.status;
  if (status === healthyWord) return { state: "healthy", reason: null };
  if (status === "degraded") return { state: "degraded", reason: "it says degraded" };
  return { state: "unhealthy", reason: typeof status === "string" ? `it says ${status}` : "its /health body has no status" };
}

export async function readService(config: Config, service: ServiceName): Promise<ServiceReading> {
  const { path, healthyWord } = HEALTH_ENDPOINTS[service];
  const outcome = await readJson(sourceRequest(config, service, path));
  if (!outcome.ok) {
    return { service, state: outcome.answered ? "unhealthy" : "unreachable", reason: outcome.error, body: null, seconds: outcome.seconds };
  }
  const { state, reason } = serviceState(outcome.value, healthyWord);
  return { service, state, reason, body: isObject(outcome.value) ? outcome.value : null, seconds: outcome.seconds };
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
// A newer gateway's websocket_last_message_at has no zone suffix (the container's local time, UTC in practice).
const date = (value: unknown) => {
  const t = text(value);
  if (!t) return null;
  const parsed = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
};

/** The exchange link from ws-gateway's /health: the nested websocket_state of a newer gateway when
 *  present, else the flat websocket_status. Null when the body says nothing about the link. */
export function linkReading(body: Record<string, unknown> | null): LinkReading | null {
  if (!body) return null;
  const rich = isObject(body.websocket_state) ? body.websocket_state : null;
  const status = rich?.status ?? body.websocket_status;
  if (!LINK_STATES.includes(status as LinkState)) return null;
  const count = rich?.reconnection_count;
  return {
    state: status as LinkState,
    reportedReconnects: typeof count === "number" && Number.isFinite(count) ? count : null,
    lastError: text(rich?.last_error),
    lastHeartbeat: date(rich?.last_heartbeat),
    lastMessageAt: date(body.websocket_last_message_at),
  };
}

/** GET /api/v1/training/status (X-API-Key from MODEL_SERVICE_API_KEY): the only source of "training now". */
export async function readTraining(config: Config): Promise<Outcome<TrainingReading> | null> {
  if (!config.services["model-service"].apiKey) return null;
  const outcome = await readJson(sourceRequest(config, "model-service", "/api/v1/training/status"));
  if (!outcome.ok) return outcome;
  const body = outcome.value;
  if (!isObject(body) || typeof body.is_training !== "boolean") {
    return { ok: false, error: "the training status has no is_training flag", seconds: outcome.seconds, answered: true };
  }
  const current = isObject(body.current_training) ? body.current_training : null;
  return {
    ok: true,
    seconds: outcome.seconds,
    value: {
      inProgress: body.is_training,
      strategyId: text(current?.strategy_id),
      modelVersion: text(current?.model_version),
      queueSize: typeof body.queue_size === "number" ? body.queue_size : 0,
    },
  };
}

/** Every monitored service's health (MONITORED_SERVICES), at once. */
export const readServices = (config: Config) => Promise.all(config.monitoredServices.map((service) => readService(config, service)));
