// The role step as `role` and `setup` run it: the read-only PostgreSQL role, and the RabbitMQ monitoring
// user when asked. Each side runs and is reported even when the other fails.
import postgres from "postgres";
import { badInput, EXIT, unreachable, classify, describeFailure, exitCodeFor } from "../errors.ts";
import type { Config } from "../config.ts";
import { type RoleResult, convergeRole, loginChecker, roleSpec } from "./role.ts";
import { type MonitorUserResult, convergeMonitorUser } from "./rabbitmq-monitor-user.ts";
import { type RoleSpec } from "./role.ts";
import { convergeWriter, ensureMonitoringSchema, grantMonitorTablesToReader, writerSpec } from "./monitoring-schema.ts";
import { convergeViews } from "../shapes/converge.ts";
import type { ShapeName } from "../shapes/detect.ts";
import type { MissingColumn } from "../shapes/views.ts";

/** How one side (PostgreSQL, RabbitMQ) ended: a failure keeps what was done before it. */
export interface SideOutcome {
  status: "ok" | "failed";
  /** The failure's message (with the stack trace when it is a bug). */
  error?: string;
  exitCode: number;
}

export interface RoleStepResult {
  ok: boolean;
  /** The process's exit code: the higher of the failed sides' codes; with check, 1 when not converged. */
  exitCode: number;
  /** Statements run, or planned with dryRun/check, revokes included. */
  changes: number;
  /** With check only: what differs from the converged state, extras included; converged when none. */
  differences?: number;
  converged?: boolean;
  postgres: SideOutcome & {
    role: string;
    created: boolean;
    applied: string[];
    /** Every privilege beyond read-only on the monitored tables... */
    extras: string[];
    revoked: string[];
    /** ...and those of them left in place: all without strict, those no revoke takes away with it. */
    kept: string[];
    missingTables: string[];
  };
  rabbitmq?: SideOutcome & MonitorUserResult & { user: string };
  /** The toolkit's own schema, the monitor's events table and its writer role (absent when the
   *  PostgreSQL side failed); with dryRun or check, what a run would do. */
  monitoring?: SideOutcome & {
    schema: string;
    writer: string | null;
    applied: string[];
    /** The schema shape detected, and the columns a canonical view needs that this database lacks
     *  (an unknown shape: those views are not built, the step fails and says so). */
    shape?: ShapeName;
    missing: MissingColumn[];
  };
}

export interface RoleStepOptions {
  /** Also revoke every extra a statement can take away. */
  strict?: boolean;
  /** Plan only. */
  dryRun?: boolean;
  /** Plan only, as strict would, and say whether anything differs (extras included). */
  check?: boolean;
  rabbitmq?: boolean;
}

/** The role step as setup runs it: PostgreSQL role, and the RabbitMQ monitoring user when asked.
 *  Each side runs and is reported even when the other fails. */
export async function runRoleStep(config: Config, options: RoleStepOptions): Promise<RoleStepResult> {
  const dryRun = Boolean(options.dryRun || options.check);
  const strict = Boolean(options.strict || options.check);
  const spec = roleSpec(config);
  const result: RoleStepResult = {
    ok: true,
    exitCode: EXIT.ok,
    changes: 0,
    postgres: { status: "ok", exitCode: EXIT.ok, role: spec.role, created: false, applied: [], extras: [], revoked: [], kept: [], missingTables: [] },
  };
  const pgSide = result.postgres;
  try {
    const outcome = await convergePostgres(config, { strict, dryRun });
    Object.assign(pgSide, {
      created: !outcome.plan.exists && !dryRun,
      applied: outcome.planned.applied,
      revoked: outcome.planned.revoked,
      extras: outcome.plan.extras.map((e) => e.privilege),
      kept: outcome.plan.extras.filter((e) => !(strict && e.revoke)).map((e) => e.privilege),
      missingTables: outcome.plan.missingTables,
    });
  } catch (error) {
    Object.assign(pgSide, failed(error));
  }
  if (pgSide.status === "ok") {
    const writer = writerSpec(config);
    const side: NonNullable<RoleStepResult["monitoring"]> = { status: "ok", exitCode: EXIT.ok, schema: config.monitor.schema, writer: writer?.role ?? null, applied: [], missing: [] };
    result.monitoring = side;
    try {
      Object.assign(side, await convergeMonitoring(config, dryRun));
      if (side.missing.length) {
        side.status = "failed";
        side.exitCode = EXIT.checkFailed;
        side.error = `unknown schema shape: ${side.missing.map((m) => `column ${m.table}.${m.column} is missing (view ${side.schema}.${m.view} not built)`).join("; ")}`;
      }
    } catch (error) {
      Object.assign(side, failed(error));
    }
  }
  if (options.rabbitmq) {
    const { rabbitmq } = config;
    const mqSide: NonNullable<RoleStepResult["rabbitmq"]> = { status: "ok", exitCode: EXIT.ok, user: rabbitmq.monitorUser, changes: [], extras: [], revoked: [] };
    result.rabbitmq = mqSide;
    try {
      // mqSide is filled in as each change is accepted: a failure halfway still reports them.
      await convergeMonitorUser(
        { url: rabbitmq.managementUrl, user: rabbitmq.user, password: rabbitmq.password ?? "" },
        rabbitmq.monitorUser,
        rabbitmq.monitorPassword ?? "",
        { strict, dryRun },
        mqSide,
      );
    } catch (error) {
      Object.assign(mqSide, failed(error));
    }
  }
  const sides = [result.postgres, result.monitoring, result.rabbitmq].filter((side) => side !== undefined);
  result.changes =
    pgSide.applied.length +
    pgSide.revoked.length +
    (result.monitoring?.applied.length ?? 0) +
    (result.rabbitmq ? result.rabbitmq.changes.length + result.rabbitmq.revoked.length : 0);
  result.ok = sides.every((side) => side.status === "ok");
  result.exitCode = Math.max(EXIT.ok, ...sides.map((side) => side.exitCode));
  if (options.check && result.ok) {
    result.differences = pgSide.applied.length + pgSide.extras.length + (result.monitoring?.applied.length ?? 0) + (result.rabbitmq ? result.rabbitmq.changes.length + result.rabbitmq.extras.length : 0);
    result.converged = result.differences === 0;
    if (!result.converged) result.exitCode = EXIT.checkFailed;
  }
  return result;
}

const failed = (error: unknown): SideOutcome => ({ status: "failed", error: describeFailure(error), exitCode: exitCodeFor(error) });

/** Rolls a dry run's transaction back, carrying what it would have done. */
class DryRun extends Error {
  constructor(readonly outcome: MonitoringOutcome) {
    super("dry run");
  }
}

interface MonitoringOutcome {
  applied: string[];
  shape: ShapeName;
  missing: MissingColumn[];
}

/** The schema and its tables, the canonical views of the detected shape, the reader's SELECT on them
 *  and the writer role, in one transaction; a dry run does the same and rolls it back, so what it lists
 *  is exactly what a real run would do. */
async function convergeMonitoring(config: Config, dryRun: boolean): Promise<MonitoringOutcome> {
  const pg = config.postgres;
  const sql = postgres({ host: pg.host, port: pg.port, database: pg.database, user: pg.adminUser, password: pg.adminPassword, max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const writer = writerSpec(config);
    const canLogin = () => loginChecker(pg.host, pg.port)({ role: writer!.role, password: writer!.password, database: writer!.database } as RoleSpec);
    return await sql
      .begin(async (tx) => {
        const done = await ensureMonitoringSchema(tx as unknown as postgres.Sql, config.monitor.schema);
        done.push(...(await grantMonitorTablesToReader(tx as unknown as postgres.Sql, config.monitor.schema, config.monitorRole.user)));
        const views = await convergeViews(tx as unknown as postgres.Sql, config.monitor.schema, config.monitorRole.user);
        done.push(...views.applied);
        if (writer) done.push(...(await convergeWriter(tx as unknown as postgres.Sql, writer, canLogin)));
        const outcome = { applied: done, shape: views.shape, missing: views.missing };
        if (dryRun) throw new DryRun(outcome);
        return outcome;
      })
      .catch((error: unknown) => {
        if (error instanceof DryRun) return error.outcome;
        throw error;
      });
  } finally {
    await sql.end({ timeout: 2 });
  }
}

async function convergePostgres(config: Config, options: { strict: boolean; dryRun: boolean }): Promise<RoleResult> {
  const pg = config.postgres;
  const sql = postgres({ host: pg.host, port: pg.port, database: pg.database, user: pg.adminUser, password: pg.adminPassword, max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql`SELECT 1`.catch((error: Error & { code?: string }) => {
      if (error.code === "28P01" || error.code === "28000") throw badInput(`PostgreSQL refused ${pg.adminUser}: check POSTGRES_USER/POSTGRES_PASSWORD`);
      if (error.code === "3D000") throw badInput(`PostgreSQL has no database ${JSON.stringify(pg.database)}: check POSTGRES_DB`);
      if (classify(error) === "unreachable") throw unreachable(`PostgreSQL at ${pg.host}:${pg.port} is unreachable (${error.message}): check POSTGRES_HOST/POSTGRES_PORT`);
      throw error;
    });
    return await convergeRole(sql, roleSpec(config), { ...options, canLogin: loginChecker(pg.host, pg.port) });
  } finally {
    await sql.end({ timeout: 2 });
  }
}
