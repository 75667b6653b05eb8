// The monitor's writer role against a real PostgreSQL, tested like the read-only role: what it can do
// (append to its events table, read it, delete past retention) and the SQLSTATE of everything else; the
// read-only role reads the events and writes nothing; the role step converges both and says so.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { planRole, roleSpec, loginChecker } from "../scripts/lib/role/role.ts";
import { runRoleStep } from "../scripts/lib/role/role-step.ts";
import { type MonitoringFixture, monitoringFixture } from "./support/monitor.ts";
import { useLiveStack } from "./support/live.ts";

useLiveStack();

let fixture: MonitoringFixture;
let writer: postgres.Sql;
let reader: postgres.Sql;

const connect = (user: string, password: string) => {
  const pg = fixture.config.postgres;
  return postgres({ host: pg.host, port: pg.port, database: pg.database, user, password, max: 1, onnotice: () => {}, connect_timeout: 5 });
};

/** Runs one statement and returns the SQLSTATE it failed with (or "ok"). */
async function attempt(sql: postgres.Sql, statement: string): Promise<string> {
  try {
    await sql.unsafe(statement);
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

beforeAll(async () => {
  fixture = await monitoringFixture("wrole");
  writer = connect(fixture.writer, fixture.password);
  reader = connect(fixture.config.monitorRole.user, fixture.config.monitorRole.password!);
}, 60_000);

afterAll(async () => {
  await writer?.end();
  await reader?.end();
  await fixture?.drop();
});

const events = () => `"${fixture.schema}".monitor_events`;
const row = "(occurred_at, subject, state, event_type, service, monitor) VALUES (now(), 'role-test', 'x', 'test', 'test', 'test')";

describe("the writer role", () => {
  test("appends to its events table, reads it and deletes from it", async () => {
    expect(await attempt(writer, `INSERT INTO ${events()} ${row}`)).toBe("ok");
    expect(await attempt(writer, `SELECT * FROM ${events()}`)).toBe("ok");
    expect(await attempt(writer, `DELETE FROM ${events()} WHERE subject = 'role-test'`)).toBe("ok");
  });

  test("cannot touch any table outside its schema, nor change or drop its own (42501)", async () => {
    const outside = [
      "SELECT * FROM public.orders LIMIT 1",
      "SELECT * FROM public.trading_signals LIMIT 1",
      "INSERT INTO public.subscriptions (channel_type, requesting_service) VALUES ('x', 'y')",
      "UPDATE public.orders SET status = 'rejected'",
      "DELETE FROM public.positions",
      "TRUNCATE public.orders",
      "CREATE TABLE public.writer_was_here (id int)",
      `CREATE TABLE "${fixture.schema}".writer_was_here (id int)`,
      `CREATE VIEW "${fixture.schema}".writer_view AS SELECT 1`,
      `UPDATE ${events()} SET state = 'rewritten'`,
      `TRUNCATE ${events()}`,
      `DROP TABLE ${events()}`,
      `ALTER TABLE ${events()} ADD COLUMN x int`,
      `DROP SCHEMA "${fixture.schema}" CASCADE`,
    ];
    const codes = await Promise.all(outside.map(async (statement) => [statement, await attempt(writer, statement)]));
    expect(Object.fromEntries(codes)).toEqual(Object.fromEntries(outside.map((statement) => [statement, "42501"])));
    // GRANT without the grant option only warns: nothing is granted.
    await attempt(writer, `GRANT SELECT ON ${events()} TO PUBLIC`);
    const [acl] = await fixture.admin`SELECT has_table_privilege('public', ${events()}, 'SELECT') AS public`;
    expect(acl!.public).toBe(false);
  });

  test("has no role attribute beyond LOGIN and a small connection limit, and runs with timeouts", async () => {
    const [role] = await fixture.admin`
      SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolconnlimit, rolconfig
      FROM pg_roles WHERE rolname = ${fixture.writer}`;
    expect(role).toMatchObject({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, rolconnlimit: 3 });
    expect(role!.rolconfig).toEqual(expect.arrayContaining(["statement_timeout=5s", "lock_timeout=5s"]));
  });
});

describe("the read-only role and the role step", () => {
  test("the read-only role reads the events and cannot write them (25006 or 42501)", async () => {
    expect(await attempt(reader, `SELECT count(*) FROM ${events()}`)).toBe("ok");
    expect(["25006", "42501"]).toContain(await attempt(reader, `INSERT INTO ${events()} ${row}`));
    expect(["25006", "42501"]).toContain(await attempt(reader, `DELETE FROM ${events()}`));
  });

  test("reading the events is not a privilege beyond read-only: the read-only role's plan lists no extra for it", async () => {
    const plan = await planRole(fixture.admin, roleSpec(fixture.config), () => loginChecker(fixture.config.postgres.host, fixture.config.postgres.port)(roleSpec(fixture.config)));
    expect(plan.extras.map((e) => e.privilege).filter((p) => p.includes(fixture.schema))).toEqual([]);
  });

  test("a second role step changes nothing; a privilege granted by hand is revoked by the next one", async () => {
    const again = await runRoleStep(fixture.config, {});
    expect(again.monitoring).toMatchObject({ status: "ok", applied: [], writer: fixture.writer });
    await fixture.admin`GRANT SELECT ON public.orders TO ${fixture.admin(fixture.writer)}`;
    expect(await attempt(writer, "SELECT * FROM public.orders LIMIT 1")).toBe("ok");
    const converged = await runRoleStep(fixture.config, {});
    expect(converged.monitoring?.applied).toEqual([`REVOKE SELECT ON public.orders FROM ${fixture.writer}`]);
    expect(await attempt(writer, "SELECT * FROM public.orders LIMIT 1")).toBe("42501");
    expect(JSON.stringify(converged)).not.toContain(fixture.password);
  });

  test("without MONITOR_POSTGRES_PASSWORD the step makes the schema and no writer, and says so", async () => {
    const config = fixture.with({ MONITOR_POSTGRES_PASSWORD: "" });
    const result = await runRoleStep({ ...config, monitor: { ...config.monitor, writerPassword: undefined } }, {});
    expect(result.monitoring).toMatchObject({ status: "ok", writer: null, applied: [] });
  });
});
