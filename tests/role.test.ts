// The read-only role against a real PostgreSQL: what it can and cannot do, converging the trading
// system's over-privileged role, the psql migration, and the command's exit codes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import postgres from "postgres";
import { applyDemoSchema, createLegacyMonitorRole } from "../scripts/lib/demo/schema.ts";
import { MONITORED_TABLES, convergeRole, loginChecker, planRole, roleSpec } from "../scripts/lib/role/role.ts";
import { MIGRATION_FILE, roleMigration } from "../scripts/lib/role/role-migration.ts";
import { scramVerifier } from "../scripts/lib/role/scram.ts";
import { freshDatabase, runCli, settings, useLiveStack } from "./support/live.ts";
import { attempt, dropTestRoles, roleCliEnv } from "./support/role-fixture.ts";

useLiveStack();

let db: Awaited<ReturnType<typeof freshDatabase>>;
const suffix = Math.random().toString(36).slice(2, 8);
const roles = {
  fresh: `t_ro_${suffix}`,
  legacy: `t_legacy_${suffix}`,
  migrated: `t_mig_${suffix}`,
  refused: `t_refused_${suffix}`,
  strict: `t_strict_${suffix}`,
  owner: `t_owner_${suffix}`,
  scram: `t_scram_${suffix}`,
};
const password = `pw'${suffix}"\\x`; // quotes and a backslash: quoting must be PostgreSQL's own

const specFor = (role: string) => roleSpec({ ...settings(), postgres: { ...settings().postgres, database: db.name }, monitorRole: { ...settings().monitorRole, user: role, password } });
const checker = () => loginChecker(settings().postgres.host, settings().postgres.port);
const connectAs = (role: string, max = 1) =>
  postgres({ host: settings().postgres.host, port: settings().postgres.port, database: db.name, user: role, password, max, onnotice: () => {}, connect_timeout: 5 });
/** The environment a user would have for running `bun run role` against this test's database. */
const cliEnv = (role: string) => roleCliEnv(db.name, role, password);

beforeAll(async () => {
  db = await freshDatabase("role");
  await applyDemoSchema(db.sql);
});

afterAll(() => dropTestRoles(db, Object.values(roles)));


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
      // The later migrations' tables only where this shape has them (STACK_DEMO_SCHEMA).
      const present = (await db.sql`SELECT t FROM unnest(${MONITORED_TABLES as unknown as string[]}::text[]) t WHERE to_regclass(t) IS NOT NULL`).map((r) => r.t as string);
      expect(present.length).toBeGreaterThanOrEqual(MONITORED_TABLES.length - 2);
      for (const table of present) expect(await attempt(sql, `SELECT count(*) FROM ${table}`)).toBe("ok");
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
    expect(role!.rolconnlimit).toBe(6);
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

  const migrate = (role: string, passwordVerifier: string) => {
    const pg = settings().postgres;
    return spawnSync(
      "psql",
      ["-h", pg.host, "-p", String(pg.port), "-U", pg.adminUser, "-d", db.name, "-q",
        "-v", `role=${role}`, "-v", `password_verifier=${passwordVerifier}`, "-v", `database=${db.name}`,
        "-v", "connection_limit=6", "-v", "statement_timeout=5s", "-v", "idle_timeout=30s", "-f", MIGRATION_FILE],
      { encoding: "utf8", env: { ...process.env, PGPASSWORD: pg.adminPassword } },
    );
  };

  test("applied with psql and a client-side verifier, it gives the same role as the role step: nothing left to change", async () => {
    const psql = migrate(roles.migrated, scramVerifier(password));
    expect(psql.stderr).toBe("");
    expect(psql.status).toBe(0);
    const plan = await planRole(db.sql, specFor(roles.migrated), checker());
    expect(plan.changes.map((c) => c.shown)).toEqual([]);
    expect(plan.extras).toEqual([]);
    const [stored] = await db.sql`SELECT rolpassword FROM pg_authid WHERE rolname = ${roles.migrated}`;
    expect(stored!.rolpassword).toStartWith("SCRAM-SHA-256$4096:");
  });

  test("the migration refuses a clear-text password and creates nothing", async () => {
    const psql = migrate(roles.refused, password);
    expect(psql.status).toBe(3);
    expect(psql.stderr).toContain("password_verifier must be set to a SCRAM-SHA-256 verifier");
    expect(await db.sql`SELECT 1 FROM pg_roles WHERE rolname = ${roles.refused}`).toHaveLength(0);
  });

  test("`role --password-verifier` prints a verifier of GRAFANA_POSTGRES_PASSWORD that PostgreSQL accepts", async () => {
    const printed = await runCli(["scripts/role.ts", "--password-verifier"], cliEnv(roles.fresh));
    expect(printed.code).toBe(0);
    expect(printed.stdout).not.toContain(password);
    expect(printed.stdout.trim()).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
  });

  test("a second CLI run reports 0 changes; --dry-run on a changed role changes nothing", async () => {
    // The first CLI run on this role also grants it the monitor's events (the role step's monitoring side).
    expect((await runCli(["scripts/role.ts"], cliEnv(roles.fresh))).code).toBe(0);
    const again = await runCli(["scripts/role.ts"], cliEnv(roles.fresh));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("0 changes: already converged");
    await db.sql`ALTER ROLE ${db.sql(roles.fresh)} CONNECTION LIMIT 50`;
    const dry = await runCli(["scripts/role.ts", "--dry-run"], cliEnv(roles.fresh));
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would run: ALTER ROLE ${roles.fresh} CONNECTION LIMIT 6`);
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

describe("no password in any statement", () => {
  /** An admin connection that records every statement and parameter it sends to the server. */
  function recording() {
    const sent: string[] = [];
    const pg = settings().postgres;
    const sql = postgres({
      host: pg.host, port: pg.port, database: db.name, user: pg.adminUser, password: pg.adminPassword, max: 1, onnotice: () => {},
      debug: (_connection, query, parameters) => void sent.push(query, ...parameters.map(String)),
    });
    return { sql, sent };
  }
  // The password as sent in clear, quoted by PostgreSQL's rules (its quote doubled) or not.
  const clear = (sent: string[]) => sent.filter((text) => new RegExp(`pw'+${suffix}`).test(text));

  test("CREATE ROLE and ALTER ROLE carry a SCRAM-SHA-256 verifier; the role logs in with the password", async () => {
    const { sql, sent } = recording();
    try {
      const created = await convergeRole(sql, specFor(roles.scram), { canLogin: checker() });
      expect(created.applied[0]).toStartWith(`CREATE ROLE ${roles.scram}`);
      expect(sent.some((text) => /^CREATE ROLE .* PASSWORD 'SCRAM-SHA-256\$4096:/.test(text))).toBe(true);
      expect(clear(sent)).toEqual([]);
      const [stored] = await db.sql`SELECT rolpassword FROM pg_authid WHERE rolname = ${roles.scram}`;
      expect(stored!.rolpassword).toStartWith("SCRAM-SHA-256$4096:");
      expect(await attempt(connectAs(roles.scram), "SELECT 1")).toBe("ok");

      // Another password set behind its back: the step sets it again, as a verifier too.
      await db.sql.unsafe(`ALTER ROLE ${roles.scram} PASSWORD '${scramVerifier("something else")}'`);
      sent.length = 0;
      const reset = await convergeRole(sql, specFor(roles.scram), { canLogin: checker() });
      expect(reset.applied).toEqual([`ALTER ROLE ${roles.scram} PASSWORD '********'`]);
      expect(sent.some((text) => /^ALTER ROLE .* PASSWORD 'SCRAM-SHA-256\$4096:/.test(text))).toBe(true);
      expect(clear(sent)).toEqual([]);
      const probe = connectAs(roles.scram);
      try {
        expect(await attempt(probe, "SELECT 1")).toBe("ok");
      } finally {
        await probe.end();
      }
      // The password works, so a third run changes nothing although every verifier has a new salt.
      expect((await convergeRole(sql, specFor(roles.scram), { canLogin: checker() })).applied).toEqual([]);
    } finally {
      await sql.end();
    }
  });

  test("the demo's legacy role is created with a verifier as well", async () => {
    const { sql, sent } = recording();
    const role = `t_legacy_scram_${suffix}`;
    try {
      await createLegacyMonitorRole(sql, { role, password });
      expect(clear(sent)).toEqual([]);
      const [stored] = await db.sql`SELECT rolpassword FROM pg_authid WHERE rolname = ${role}`;
      expect(stored!.rolpassword).toStartWith("SCRAM-SHA-256$4096:");
      const probe = connectAs(role);
      try {
        expect(await attempt(probe, "SELECT count(*) FROM orders")).toBe("ok");
      } finally {
        await probe.end();
      }
    } finally {
      await sql.end();
      await db.sql`DROP OWNED BY ${db.sql(role)}`;
      await db.sql`DROP ROLE ${db.sql(role)}`;
    }
  });
});

describe("`role` output agrees with itself", () => {
  beforeAll(async () => {
    await createLegacyMonitorRole(db.sql, { role: roles.strict, password });
  });

  test("--dry-run --strict lists the planned revokes and changes nothing; --check exits 1", async () => {
    const dry = await runCli(["scripts/role.ts", "--dry-run", "--strict"], cliEnv(roles.strict));
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^role\s+to change\s/m);
    expect(dry.stdout).toContain(`would revoke: REVOKE SELECT ON TABLE public.account_balances FROM ${roles.strict}`);
    const check = await runCli(["scripts/role.ts", "--check", "--json"], cliEnv(roles.strict));
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout)).toMatchObject({ converged: false, postgres: { status: "ok" } });
    const sql = connectAs(roles.strict);
    try {
      expect(await attempt(sql, "SELECT * FROM account_balances")).toBe("ok");
    } finally {
      await sql.end();
    }
  });

  test("--strict says changed and counts exactly the statements it lists; then nothing is left and --check exits 0", async () => {
    const strict = await runCli(["scripts/role.ts", "--strict"], cliEnv(roles.strict));
    expect(strict.code).toBe(0);
    expect(strict.stdout).toMatch(/^role\s+changed\s/m);
    expect(strict.stdout).not.toContain("unchanged");
    const statements = strict.stdout.split("\n").filter((line) => /^ {2}(ran|revoked): /.test(line)).length;
    expect(statements).toBeGreaterThan(1);
    expect(strict.stdout).toContain(`\n${statements} change(s)`);
    const again = await runCli(["scripts/role.ts", "--strict"], cliEnv(roles.strict));
    expect(again.stdout).toMatch(/^role\s+unchanged\s/m);
    expect(again.stdout).toContain("0 changes: already converged");
    const check = await runCli(["scripts/role.ts", "--check"], cliEnv(roles.strict));
    expect(check.code).toBe(0);
    expect(check.stdout).toContain("converged: nothing differs");
  });

  test("a relation the role owns is reported under --strict, never counted as a change; --check exits 1", async () => {
    const table = `owned_by_${suffix}`;
    await convergeRole(db.sql, specFor(roles.owner), { canLogin: checker() });
    await db.sql`CREATE TABLE ${db.sql(table)} (a int)`;
    await db.sql`ALTER TABLE ${db.sql(table)} OWNER TO ${db.sql(roles.owner)}`;
    // The rest of the role step (the monitoring schema's grants) converged first: what follows counts only ownership.
    expect((await runCli(["scripts/role.ts"], cliEnv(roles.owner))).code).toBe(0);
    for (let run = 0; run < 2; run++) {
      const strict = await runCli(["scripts/role.ts", "--strict", "--json"], cliEnv(roles.owner));
      expect(strict.code).toBe(0);
      const result = JSON.parse(strict.stdout);
      expect(result.changes).toBe(0);
      expect(result.postgres.revoked).toEqual([]);
      expect(result.postgres.kept).toEqual([expect.stringContaining(`owns public.${table} `)]);
    }
    const check = await runCli(["scripts/role.ts", "--check"], cliEnv(roles.owner));
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`owns public.${table}`);
    expect(check.stdout).toContain("not converged: 1 difference(s)");
  }, 30_000);
});
