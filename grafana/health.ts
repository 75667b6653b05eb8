// One health query per part of the trading system, each answering one row: service, status, score and
// what the part says about its components and errors. The overall status, the per-service status and the
// components table all use these same queries (one definition each).
//
// Scoring, which the overall panel sums: healthy 1, degraded N + 2 (only the exchange link can be: not
// connected), anything else 100, no answer nothing. With N parts the sum tells them apart: N only when every
// part answered healthy; 2N + 1 when all answered and only the link is degraded; 100 or more when some part
// answered that it is not healthy; any other sum means some part could not be reached (unknown, which ranks
// above degraded: a part nobody can see may be down).
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type { ServiceName } from "../scripts/lib/config.ts";
import { DEFAULT_MONITORED_SERVICES, HEALTH_ENDPOINTS } from "../scripts/lib/services.ts";
import { type RowColumns, infinityQuery, mapRows, valueAt } from "./queries/infinity.ts";
import { postgresQuery } from "./queries/postgres.ts";

export interface HealthSource {
  /** The name the operator sees. */
  service: ServiceName | "postgresql" | "rabbitmq" | typeof EXCHANGE_LINK;
  refId: string;
  query: () => cog.Builder<cog.Dataquery>;
  /** The row's columns, where the query declares them (Infinity); SQL's come from its file. */
  columns?: RowColumns;
}

/** The exchange WebSocket link (ws-gateway's connection to Bybit), a part of its own in the overall health. */
export const EXCHANGE_LINK = "bybit-websocket";

export const HEALTHY_SCORE = 1;
export const UNHEALTHY_SCORE = 100;

// Every /health answers HTTP 200 even when unhealthy, so the body's status decides. A stopped service
// gives a connection error: its query fails, it adds nothing to the sum, and its own panel says unknown.
const score = (healthy: string) => `${healthy} ? ${HEALTHY_SCORE} : ${UNHEALTHY_SCORE}`;
const connected = (flag: string) => `${flag} = true ? "connected" : "disconnected"`;

/** What every part reports first: its name, its status word and the score that status gives. */
const partRow = (service: HealthSource["service"], status: string, healthy: string): RowColumns => ({
  service: ["string", JSON.stringify(service)],
  status: ["string", status],
  score: ["number", score(healthy)],
});

/** A service's health endpoint as one row: the part's columns, its database and queue connections where
 *  it reports them, then its own columns; `bindings` name values the row reads more than once. */
function serviceHealth(service: ServiceName, refId: string, own: RowColumns = {}, bindings?: string): HealthSource {
  const { path, healthyWord, connections } = HEALTH_ENDPOINTS[service];
  const healthy = `$h.status = ${JSON.stringify(healthyWord)}`;
  // A service whose healthy word is not "healthy" (dashboard-api's "ready") reads healthy or unhealthy,
  // its own word in the detail column.
  const status = healthyWord === "healthy" ? valueAt("$h.status") : `${healthy} ? "healthy" : "unhealthy"`;
  const columns: RowColumns = {
    ...partRow(service, status, healthy),
    ...(connections ? { database: ["string", connected("$h.database_connected")], queue: ["string", connected("$h.queue_connected")] } : {}),
    ...own,
  };
  return { service, refId, columns, query: () => infinityQuery(service, path).refId(refId).rootSelector(mapRows("$", "$h", columns, { bindings })).columns(columns) };
}

// Healthy when every node runs without a memory or disk alarm (a user tagged monitoring may read nodes).
const rabbitmqColumns: RowColumns = {
  ...partRow("rabbitmq", '$bad = 0 ? "healthy" : "unhealthy"', "$bad = 0"),
  // node names only (a null name would make the JS package refuse $join)
  detail: ["string", '$join($filter($r.nodes.name, function($n) { $n ? true : false }), ", ")'],
};

/** Each service's health source; refIds are the service's own, so that the default dashboard keeps its
 *  queries whatever else is monitored. */
const SERVICE_SOURCES: Record<ServiceName, () => HealthSource> = {
  // ws-gateway's status covers database and queue only; the exchange link is a part of its own (below).
  "ws-gateway": () => serviceHealth("ws-gateway", "A", { websocket: ["string", valueAt("$h.websocket_status")] }),
  // Its checks carry error texts; a full or unwritable model store is an error too.
  "model-service": () =>
    serviceHealth(
      "model-service",
      "B",
      {
        storage: ["string", '$s.healthy = true ? "healthy" : "unhealthy"'],
        errors: ["string", '$count($errors) > 0 ? $join($errors, "; ") : ""'],
      },
      "$c := $h.checks; $s := $c.model_storage; " +
        "$errors := $filter([$c.database.error, $c.message_queue.error, $s.error, " +
        '$s.disk_space_critical = true ? "model storage: disk space critical" : ($s.disk_space_warning = true ? "model storage: disk space low" : "")], ' +
        "function($e) { $e ? true : false });",
    ),
  "order-manager": () => serviceHealth("order-manager", "C"),
  // position-manager says "degraded", never "unhealthy": degraded is not healthy. Its positions_count is
  // not shown: the newest position-manager counts every row of positions, closed history included
  // (docs/schema-shapes.md); the open positions are the Positions panel's.
  "position-manager": () =>
    serviceHealth("position-manager", "D", {
      validation_errors: ["number", valueAt("$h.validation_statistics.total_errors")],
      discrepancies: ["number", valueAt("$h.validation_statistics.total_discrepancies")],
    }),
  // A static answer: it says only that the service answers (it checks nothing).
  "feature-service": () => serviceHealth("feature-service", "H", { detail: ["string", '"answers; checks nothing"'] }),
  // /ready: "ready", or HTTP 503 "not ready" while its database pool is down (read: ignoreStatusCodeCheck).
  "dashboard-api": () => serviceHealth("dashboard-api", "I", { detail: ["string", '$h.status ? "says " & $h.status : ""'] }),
};

/** Every part with a health query of its own: the monitored services, PostgreSQL and RabbitMQ. */
export function healthSources(services: readonly ServiceName[] = DEFAULT_MONITORED_SERVICES): HealthSource[] {
  return [
    ...services.map((service) => SERVICE_SOURCES[service]()),
    { service: "postgresql", refId: "E", query: () => postgresQuery("health-postgres").refId("E") },
    {
      service: "rabbitmq",
      refId: "F",
      columns: rabbitmqColumns,
      query: () =>
        infinityQuery("rabbitmq", "/api/nodes")
          .refId("F")
          .rootSelector(mapRows('{"nodes": $}', "$r", rabbitmqColumns, { bindings: "$bad := $count($r.nodes[running = false or mem_alarm = true or disk_free_alarm = true]);" }))
          .columns(rabbitmqColumns),
    },
  ];
}

/** ws-gateway's /health read for the exchange link: the newer gateway's websocket_state object when it has
 *  one, its flat fields otherwise. `$h` is the answer; these bindings give `$w` (the object) and `$rich`. */
export const LINK_BINDINGS = "$w := $h.websocket_state; $rich := $exists($w.status);";
/** The link's status word, from the object when present, else the flat field. */
export const LINK_STATUS = `$rich ? ${valueAt("$w.status")} : ${valueAt("$h.websocket_status")}`;

/** Every part the overall health counts: the health sources and the exchange link. */
export const overallParts = (sources: readonly HealthSource[]) => sources.length + 1;
/** A part that answers but is not all there: the exchange link not connected (see the scoring above). */
export const degradedScore = (parts: number) => parts + 2;

/** The exchange link as a part of the overall health: connected is healthy, anything else degraded (the
 *  trading system runs, but sees no fills or orders from Bybit); no answer from ws-gateway, nothing.
 *  Its degraded score depends on how many parts there are. */
export function exchangeLinkSource(parts: number): HealthSource {
  const linkColumns: RowColumns = {
    service: ["string", JSON.stringify(EXCHANGE_LINK)],
    status: ["string", LINK_STATUS],
    score: ["number", `(${LINK_STATUS}) = "connected" ? ${HEALTHY_SCORE} : ${degradedScore(parts)}`],
  };
  return {
    service: EXCHANGE_LINK,
    refId: "G",
    columns: linkColumns,
    query: () => infinityQuery("ws-gateway", "/health").refId("G").rootSelector(mapRows("$", "$h", linkColumns, { bindings: LINK_BINDINGS })).columns(linkColumns),
  };
}
