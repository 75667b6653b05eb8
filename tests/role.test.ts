// The read-only role against a real PostgreSQL: what it can and cannot do, converging the trading
// system's over-privileged role, the psql migration, and the command's exit codes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import postgres from "postgres";
import { applyDemoSchema, createLegacyMonitorRole } from "../scripts/lib/demo/schema.ts";
import { MONITORED_TABLES, convergeRole, loginChecker, planRole, roleSpec } from "../scripts/lib/role.ts";
import { roleMigration } from "../scripts/lib/role-migration.ts";
import { MIGRATION_FILE } from "../scripts/role.ts";
import { freshDatabase, runCli, settings } from "./support/live.ts";

let db: Awaited<ReturnType<typeof freshDatabase>>;
const suffix = Math.random().toString(36).slice(2, 8);
const roles = { fresh: `t_ro_${suffix}`, legacy: `t_legacy_${suffix}`, migrated: `t_mig_${suffix}` };
const password = `pw'${suffix}"\\x`; // quotes and a backslash: quoting must be PostgreSQL's own

const specFor = (role: string) => roleSpec({ ...settings(), postgres: { ...settings().postgres, database: db.name }, monitorRole: { ...settings().monitorRole, user: role, password } });
const checker = () => loginChecker(settings().postgres.host, settings().postgres.port);
const connectAs = (role: string, max = 1) =>
  postgres({ host: settings().postgres.host, port: settings().postgres.port, database: db.name, user: role, password, max, onnotice: () => {}, connect_timeout: 5 });
/** The environment a user would have for running `bun run role` against this test's database. */
const cliEnv = (role: string) => ({ ...process.env, POSTGRES_DB: db.name, GRAFANA_POSTGRES_USER: role, GRAFANA_POSTGRES_PASSWORD: password });

beforeAll(async () => {
  db = await freshDatabase("role");
  await applyDemoSchema(db.sql);
});

afterAll(async () => {
  for (const role of Object.values(roles)) {
    await db.sql`DROP OWNED BY ${db.sql(role)}`.catch(() => {});
  }
  await db.drop();
  const admin = postgres({ ...settingsConnection(), database: "postgres" });
  for (const role of Object.values(roles)) await admin`DROP ROLE IF EXISTS ${admin(role)}`;
  await admin.end();
});

function settingsConnection() {
  const pg = settings().postgres;
  return { host: pg.host, port: pg.port, user: pg.adminUser, password: pg.adminPassword, onnotice: () => {} };
}

/** Runs one statement as the role and returns the SQLSTATE it failed with (or "ok"). */
async function attempt(sql: postgres.Sql, statement: string): Promise<string> {
  try {
    await sql.unsafe(statement);
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe("a new read-only role", () => {
  test("is created, and a second run changes nothing", async () => {
    const first = await convergeRole(db.sql, specFor(roles.fresh), { canLogin: checker() });
    expect(first.plan.exists).toBe(false);
    expect(first.applied.length).toBeGreaterThan(MONITORED_TABLES.length);
    expect(first.applied.join("\n")).not.toContain(password);
    const second = await convergeRole(db.sql, specFor(roles.fresh), { canLogin: checker() });
    expect(second.plan.changes).toEqual([]);
    expect(second.applied).toEqual([]);
  });

  test("reads every monitored table and nothing else", async () => {
    const sql = connectAs(roles.fresh);
    try {
      for (const table of MONITORED_TABLES) expect(await attempt(sql, `SELECT count(*) FROM ${table}`)).toBe("ok");
      expect(await attempt(sql, "SELECT * FROM account_balances")).toBe("42501");
      expect(await attempt(sql, "SELECT * FROM account_margin_balances")).toBe("42501");
    } finally {
      await sql.end();
    }
  });

  test("cannot write, change the schema, copy to a file or become another role, even with read-only switched off", async () => {
    const sql = connectAs(roles.fresh);
    try {
      // The read-only default alone refuses writes (25006)...
      expect(await attempt(sql, "INSERT INTO subscriptions (channel_type, topic, requesting_service) VALUES ('ticker', 't', 'x')")).toBe("25006");
      // ...but any session may switch it off, so the privileges themselves must hold.
      await sql.unsafe("SET default_transaction_read_only = off");
      const refused = {
        insert: await attempt(sql, "INSERT INTO subscriptions (channel_type, topic, requesting_service) VALUES ('ticker', 't', 'x')"),
        update: await attempt(sql, "UPDATE orders SET status = 'cancelled'"),
        delete: await attempt(sql, "DELETE FROM trading_signals"),
        truncate: await attempt(sql, "TRUNCATE positions"),
        create: await attempt(sql, "CREATE TABLE public.grafana_was_here (a int)"),
        alter: await attempt(sql, "ALTER TABLE orders ADD COLUMN grafana int"),
        drop: await attempt(sql, "DROP TABLE orders"),
        copyToFile: await attempt(sql, "COPY (SELECT 1) TO '/tmp/grafana-role-test.txt'"),
        setRole: await attempt(sql, `SET ROLE ${settings().postgres.adminUser}`),
      };
      expect(refused).toEqual({
        insert: "42501",
        update: "42501",
        delete: "42501",
        truncate: "42501",
        create: "42501",
        alter: "42501",
        drop: "42501",
        copyToFile: "42501",
        setRole: "42501",
      });
    } finally {
      await sql.end();
    }
  });

  test("a long query is cancelled by the statement timeout", async () => {
    const sql = connectAs(roles.fresh);
    try {
      const started = Date.now();
      expect(await attempt(sql, "SELECT pg_sleep(10)")).toBe("57014");
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await sql.end();
    }
  }, 20_000);

  test("the connection limit holds", async () => {
    const limit = specFor(roles.fresh).connectionLimit;
    const held = Array.from({ length: limit }, () => connectAs(roles.fresh));
    try {
      await Promise.all(held.map((sql) => sql`SELECT 1`));
      const extra = connectAs(roles.fresh);
      try {
        expect(await attempt(extra, "SELECT 1")).toBe("53300");
      } finally {
        await extra.end();
      }
    } finally {
      await Promise.all(held.map((sql) => sql.end()));
    }
  });
});

describe("the trading system's over-privileged grafana_monitor", () => {
  beforeAll(async () => {
    await createLegacyMonitorRole(db.sql, { role: roles.legacy, password });
    // Beyond what the real migration does, so that every kind of extra is exercised.
    await db.sql`GRANT INSERT ON orders TO ${db.sql(roles.legacy)}`;
    await db.sql`GRANT CREATE ON SCHEMA public TO ${db.sql(roles.legacy)}`;
    await db.sql`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${db.sql(roles.legacy)}`;
  });

  test("converging it reports every privilege beyond the list and revokes none of them", async () => {
    const result = await convergeRole(db.sql, specFor(roles.legacy), { canLogin: checker() });
    const extras = result.plan.extras.map((e) => e.privilege);
    expect(extras).toContain("SELECT on table public.account_balances");
    expect(extras).toContain("SELECT on table public.account_margin_balances");
    expect(extras).toContain("INSERT on table public.orders");
    expect(extras).toContain("CREATE on schema public");
    expect(extras.some((e) => e.startsWith("default SELECT on future tables"))).toBe(true);
    expect(result.revoked).toEqual([]);
    // The limits and settings are converged all the same.
    const [role] = await db.sql`SELECT rolconnlimit, rolconfig FROM pg_roles WHERE rolname = ${roles.legacy}`;
    expect(role!.rolconnlimit).toBe(5);
    expect(role!.rolconfig).toContain("statement_timeout=5s");
    const sql = connectAs(roles.legacy);
    try {
      expect(await attempt(sql, "SELECT * FROM account_balances")).toBe("ok");
    } finally {
      await sql.end();
    }
  });

  test("`role --strict` lists and removes them; the role still reads the monitored tables", async () => {
    const strict = await runCli(["scripts/role.ts", "--strict", "--json"], cliEnv(roles.legacy));
    expect(strict.code).toBe(0);
    const result = JSON.parse(strict.stdout);
    expect(result.postgres.revoked.length).toBe(result.postgres.extras.length);
    expect(result.postgres.revoked).toContain(`REVOKE SELECT ON TABLE public.account_balances FROM ${roles.legacy}`);
    const after = await planRole(db.sql, specFor(roles.legacy), checker());
    expect(after.extras.map((e) => e.privilege)).toEqual([]);
    expect(after.changes).toEqual([]);
    const sql = connectAs(roles.legacy);
    try {
      expect(await attempt(sql, "SELECT * FROM account_balances")).toBe("42501");
      expect(await attempt(sql, "SELECT count(*) FROM orders")).toBe("ok");
    } finally {
      await sql.end();
    }
  });
});

describe("the psql migration and the command", () => {
  test("sql/grafana_monitor_role.sql is what the code generates", () => {
    expect(readFileSync(MIGRATION_FILE, "utf8")).toBe(roleMigration());
  });

  test("applied with psql, it gives the same role as the role step: nothing left to change", async () => {
    const pg = settings().postgres;
    const psql = spawnSync(
      "psql",
      ["-h", pg.host, "-p", String(pg.port), "-U", pg.adminUser, "-d", db.name, "-q",
        "-v", `role=${roles.migrated}`, "-v", `password=${password}`, "-v", `database=${db.name}`,
        "-v", "connection_limit=5", "-v", "statement_timeout=5s", "-v", "idle_timeout=30s", "-f", MIGRATION_FILE],
      { encoding: "utf8", env: { ...process.env, PGPASSWORD: pg.adminPassword } },
    );
    expect(psql.stderr).toBe("");
    expect(psql.status).toBe(0);
    const plan = await planRole(db.sql, specFor(roles.migrated), checker());
    expect(plan.changes.map((c) => c.shown)).toEqual([]);
    expect(plan.extras).toEqual([]);
  });

  test("a second CLI run reports 0 changes; --dry-run on a changed role changes nothing", async () => {
    const again = await runCli(["scripts/role.ts"], cliEnv(roles.fresh));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("0 changes: already converged");
    await db.sql`ALTER ROLE ${db.sql(roles.fresh)} CONNECTION LIMIT 50`;
    const dry = await runCli(["scripts/role.ts", "--dry-run"], cliEnv(roles.fresh));
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would run: ALTER ROLE ${roles.fresh} CONNECTION LIMIT 5`);
    const [role] = await db.sql`SELECT rolconnlimit FROM pg_roles WHERE rolname = ${roles.fresh}`;
    expect(role!.rolconnlimit).toBe(50);
  });

  test("bad admin credentials exit 2, an unreachable server exits 3, a missing password exits 2", async () => {
    const wrong = await runCli(["scripts/role.ts"], { ...cliEnv(roles.fresh), POSTGRES_PASSWORD: "not-the-password" });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("check POSTGRES_USER/POSTGRES_PASSWORD");
    const unreachable = await runCli(["scripts/role.ts"], { ...cliEnv(roles.fresh), POSTGRES_PORT: "1" });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain("unreachable");
    const missing = await runCli(["scripts/role.ts"], { ...cliEnv(roles.fresh), GRAFANA_POSTGRES_PASSWORD: "" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("GRAFANA_POSTGRES_PASSWORD: required here but not set");
  });
});
