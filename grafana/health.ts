// One health query per part of the trading system, each answering one row: service, status, score and
// what the part says about its components and errors. The overall status, the per-service status and the
// components table all use these same queries (one definition each).
//
// Scoring, which the overall panel sums: healthy 1, anything else 100, no answer nothing. With N parts,
// the sum is N only when every part answered healthy; below N some part could not be reached (unknown);
// 100 or more means some part answered that it is not healthy.
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type { ServiceName } from "../scripts/lib/config.ts";
import { infinityQuery } from "./queries/infinity.ts";
import { postgresQuery } from "./queries/postgres.ts";

export interface HealthSource {
  /** The name the operator sees. */
  service: ServiceName | "postgresql" | "rabbitmq";
  refId: string;
  query: () => cog.Builder<cog.Dataquery>;
}

export const HEALTHY_SCORE = 1;
export const UNHEALTHY_SCORE = 100;

// Every /health answers HTTP 200 even when unhealthy, so the body's status decides. A stopped service
// gives a connection error: its query fails, it adds nothing to the sum, and its own panel says unknown.
const score = (healthy: string) => `${healthy} ? ${HEALTHY_SCORE} : ${UNHEALTHY_SCORE}`;

const commonColumns = <T extends ReturnType<typeof infinityQuery>>(query: T) =>
  query.column("service", "string").column("status", "string").column("score", "number").column("database", "string").column("queue", "string");

const connected = (flag: string) => `${flag} = true ? "connected" : "disconnected"`;

export const HEALTH_SOURCES: HealthSource[] = [
  {
    service: "ws-gateway",
    refId: "A",
    // ws-gateway's status covers database and queue only; the exchange link has panels of its own.
    query: () =>
      commonColumns(
        infinityQuery("ws-gateway", "/health").refId("A").rootSelector(
          `$map([$], function($h) { {"service": "ws-gateway", "status": $h.status, "score": ${score('$h.status = "healthy"')}, ` +
            `"database": ${connected("$h.database_connected")}, "queue": ${connected("$h.queue_connected")}, "websocket": $h.websocket_status} })`,
        ),
      ).column("websocket", "string"),
  },
  {
    service: "model-service",
    refId: "B",
    // Its checks carry error texts; a full or unwritable model store is an error too.
    query: () =>
      commonColumns(
        infinityQuery("model-service", "/health").refId("B").rootSelector(
          `$map([$], function($h) { ( $c := $h.checks; $s := $c.model_storage; ` +
            `$errors := $filter([$c.database.error, $c.message_queue.error, $s.error, ` +
            `$s.disk_space_critical = true ? "model storage: disk space critical" : ($s.disk_space_warning = true ? "model storage: disk space low" : "")], ` +
            `function($e) { $e ? true : false }); ` +
            `{"service": "model-service", "status": $h.status, "score": ${score('$h.status = "healthy"')}, ` +
            `"database": ${connected("$h.database_connected")}, "queue": ${connected("$h.queue_connected")}, ` +
            `"storage": $s.healthy = true ? "healthy" : "unhealthy", "errors": $count($errors) > 0 ? $join($errors, "; ") : ""} ) })`,
        ),
      )
        .column("storage", "string")
        .column("errors", "string"),
  },
  {
    service: "order-manager",
    refId: "C",
    query: () =>
      commonColumns(
        infinityQuery("order-manager", "/health").refId("C").rootSelector(
          `$map([$], function($h) { {"service": "order-manager", "status": $h.status, "score": ${score('$h.status = "healthy"')}, ` +
            `"database": ${connected("$h.database_connected")}, "queue": ${connected("$h.queue_connected")}} })`,
        ),
      ),
  },
  {
    service: "position-manager",
    refId: "D",
    // position-manager says "degraded", never "unhealthy": degraded is not healthy.
    query: () =>
      commonColumns(
        infinityQuery("position-manager", "/health").refId("D").rootSelector(
          `$map([$], function($h) { {"service": "position-manager", "status": $h.status, "score": ${score('$h.status = "healthy"')}, ` +
            `"database": ${connected("$h.database_connected")}, "queue": ${connected("$h.queue_connected")}, ` +
            `"validation_errors": $h.validation_statistics.total_errors, "discrepancies": $h.validation_statistics.total_discrepancies} })`,
        ),
      )
        .column("validation_errors", "number")
        .column("discrepancies", "number"),
  },
  {
    service: "postgresql",
    refId: "E",
    query: () => postgresQuery("health-postgres").refId("E"),
  },
  {
    service: "rabbitmq",
    refId: "F",
    // Healthy when every node runs without a memory or disk alarm (a user tagged monitoring may read nodes).
    query: () =>
      infinityQuery("rabbitmq", "/api/nodes")
        .refId("F")
        .rootSelector(
          `$map([{"nodes": $}], function($r) { ( $bad := $count($r.nodes[running = false or mem_alarm = true or disk_free_alarm = true]); ` +
            `{"service": "rabbitmq", "status": $bad = 0 ? "healthy" : "unhealthy", "score": ${score("$bad = 0")}, ` +
            `"detail": $join($r.nodes.name, ", ")} ) })`,
        )
        .column("service", "string")
        .column("status", "string")
        .column("score", "number")
        .column("detail", "string"),
  },
];
