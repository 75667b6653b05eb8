// `bun run role` from the command line, on databases of its own: both sides (PostgreSQL and RabbitMQ)
// reported each on its own, and names that PostgreSQL accepts only quoted.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { applyDemoSchema } from "../scripts/lib/demo/schema.ts";
import { freshDatabase, rabbitApi, runCli, settings, useLiveStack } from "./support/live.ts";
import { adminConnection, attempt, dropTestRoles, roleCliEnv } from "./support/role-fixture.ts";

useLiveStack();

let db: Awaited<ReturnType<typeof freshDatabase>>;
const suffix = Math.random().toString(36).slice(2, 8);
const roles = { split: `t_split_${suffix}`, both: `t_both_${suffix}`, mixed: `Grafana Monitor "${suffix}"` };
const password = `pw'${suffix}"\\x`; // quotes and a backslash: quoting must be PostgreSQL's own
/** The environment a user would have for running `bun run role` against this test's database. */
const cliEnv = (role: string) => roleCliEnv(db.name, role, password);

beforeAll(async () => {
  db = await freshDatabase("role-cli");
  await applyDemoSchema(db.sql);
});

afterAll(() => dropTestRoles(db, Object.values(roles)));

describe("`role --rabbitmq` reports each side", () => {
  const monitorUser = `t_split_mq_${suffix}`;
  const bothUser = `t_both_mq_${suffix}`;
  afterAll(async () => {
    await rabbitApi(`/api/users/${monitorUser}`, { method: "DELETE" });
    await rabbitApi(`/api/users/${bothUser}`, { method: "DELETE" });
  });

  test("from the command line it converges both sides, exit 0; a second run changes nothing on either", async () => {
    const env = { ...cliEnv(roles.both), RABBITMQ_MONITOR_USER: bothUser, RABBITMQ_MONITOR_PASSWORD: "both-monitor-pass" };
    const first = await runCli(["scripts/role.ts", "--rabbitmq", "--json"], env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result).toMatchObject({ ok: true, exitCode: 0, postgres: { status: "ok", created: true }, rabbitmq: { status: "ok", exitCode: 0, user: bothUser } });
    expect(result.rabbitmq.changes).toContain(`create user ${bothUser} tagged monitoring`);
    // The monitoring schema's grants to the new role (and the monitor's writer) count as the role step's changes too.
    expect(result.changes).toBe(result.postgres.applied.length + result.monitoring.applied.length + result.rabbitmq.changes.length);
    const user = (await (await rabbitApi(`/api/users/${bothUser}`)).json()) as { tags: string[] | string };
    expect([user.tags].flat().join(",")).toBe("monitoring");

    const again = await runCli(["scripts/role.ts", "--rabbitmq"], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^role\s+unchanged\s/m);
    expect(again.stdout).toMatch(/^rabbitmq\s+unchanged\s+monitoring user /m);
    expect(again.stdout).toContain("0 changes: already converged");
  });

  test("with the management API unreachable, the PostgreSQL changes it committed are reported; exit 3", async () => {
    const env = { ...cliEnv(roles.split), RABBITMQ_MONITOR_USER: monitorUser, RABBITMQ_MANAGEMENT_URL: "http://127.0.0.1:1" };
    const json = await runCli(["scripts/role.ts", "--rabbitmq", "--json"], env);
    expect(json.code).toBe(3);
    const result = JSON.parse(json.stdout);
    expect(result.postgres).toMatchObject({ status: "ok", exitCode: 0, created: true });
    expect(result.postgres.applied[0]).toStartWith(`CREATE ROLE ${roles.split}`);
    expect(result.rabbitmq).toMatchObject({ status: "failed", exitCode: 3, changes: [] });
    expect(result.rabbitmq.error).toContain("RabbitMQ management API at http://127.0.0.1:1 is unreachable");
    expect(await db.sql`SELECT 1 FROM pg_roles WHERE rolname = ${roles.split}`).toHaveLength(1);

    await db.sql`ALTER ROLE ${db.sql(roles.split)} CONNECTION LIMIT 40`;
    const human = await runCli(["scripts/role.ts", "--rabbitmq"], env);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/^role\s+changed\s/m);
    expect(human.stdout).toContain(`ran: ALTER ROLE ${roles.split} CONNECTION LIMIT 6`);
    expect(human.stdout).toMatch(/^rabbitmq\s+FAILED\s/m);
    expect(human.stdout).toContain("RabbitMQ FAILED (exit 3); 1 change(s) made on the other side");
    expect(human.stderr).toContain("is unreachable");
  });

  test("with PostgreSQL unreachable, the RabbitMQ user is still converged and reported; exit 3", async () => {
    const env = { ...cliEnv(roles.split), RABBITMQ_MONITOR_USER: monitorUser, POSTGRES_PORT: "1" };
    const json = await runCli(["scripts/role.ts", "--rabbitmq", "--json"], env);
    expect(json.code).toBe(3);
    const result = JSON.parse(json.stdout);
    expect(result.postgres).toMatchObject({ status: "failed", exitCode: 3, applied: [] });
    expect(result.rabbitmq).toMatchObject({ status: "ok", exitCode: 0 });
    expect(result.rabbitmq.changes).toContain(`create user ${monitorUser} tagged monitoring`);
    expect((await rabbitApi(`/api/users/${monitorUser}`)).status).toBe(200);
  });
});

describe("names that PostgreSQL accepts only quoted", () => {
  const database = `T Mixed "Db" ${suffix}`;
  const table = "Mixed Case Table";
  let mixed: postgres.Sql;

  beforeAll(async () => {
    const admin = postgres({ ...adminConnection(), database: "postgres", max: 1 });
    await admin`CREATE DATABASE ${admin(database)}`;
    await admin.end();
    mixed = postgres({ ...adminConnection(), database, max: 1 });
    await applyDemoSchema(mixed);
    await mixed`CREATE TABLE ${mixed(table)} (a int)`;
  });

  afterAll(async () => {
    await mixed.end();
    const admin = postgres({ ...adminConnection(), database: "postgres", max: 1 });
    await admin`DROP DATABASE IF EXISTS ${admin(database)} WITH (FORCE)`;
    await admin.end();
  });

  test("a mixed-case role in a mixed-case database, with a mixed-case extra table, converges and reads what it should", async () => {
    const env = { ...process.env, POSTGRES_DB: database, GRAFANA_POSTGRES_USER: roles.mixed, GRAFANA_POSTGRES_PASSWORD: password, GRAFANA_POSTGRES_EXTRA_TABLES: `orders, ${table}` };
    const first = await runCli(["scripts/role.ts", "--json"], env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).postgres).toMatchObject({ created: true, role: roles.mixed });
    const pg = settings().postgres;
    const sql = postgres({ host: pg.host, port: pg.port, database, user: roles.mixed, password, max: 1, onnotice: () => {} });
    try {
      expect(await attempt(sql, `SELECT count(*) FROM "${table}"`)).toBe("ok");
      expect(await attempt(sql, "SELECT count(*) FROM trading_signals")).toBe("ok");
      expect(await attempt(sql, "SELECT * FROM account_balances")).toBe("42501");
    } finally {
      await sql.end();
    }
    const again = await runCli(["scripts/role.ts", "--check"], env);
    expect(again.code).toBe(0);
  });
});
