// `bun run demo` from the command line: where it may write (only the stack's own services, or services
// named with --env-file and declared --scratch), `demo seed` and `demo soak` end to end.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFormatted } from "../scripts/lib/postgres.ts";
import { scramVerifier } from "../scripts/lib/role/scram.ts";
import { adminSql, runCli, settings, useLiveStack } from "./support/live.ts";

useLiveStack();

const suffix = Math.random().toString(36).slice(2, 8);
const scratch = mkdtempSync(join(tmpdir(), "demo-cli-"));
/** A login on the stack's server that is not the stack's: what a real system's admin looks like here. */
const other = { user: `t_other_admin_${suffix}`, password: `other-${suffix}` };
let admin: Awaited<ReturnType<typeof adminSql>>;

beforeAll(async () => {
  admin = await adminSql("postgres");
  await runFormatted(admin, "CREATE ROLE %I LOGIN CREATEDB PASSWORD %L", [other.user, scramVerifier(other.password)]);
});

afterAll(async () => {
  const databases = await admin<{ datname: string }[]>`SELECT datname FROM pg_database WHERE datname LIKE ${`t_demo_cli_%_${suffix}`}`;
  for (const { datname } of databases) await admin`DROP DATABASE IF EXISTS ${admin(datname)} WITH (FORCE)`;
  await admin`DROP ROLE IF EXISTS ${admin(other.user)}`;
  await admin.end();
  rmSync(scratch, { recursive: true, force: true });
});

const databaseExists = async (name: string) => (await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`).length === 1;
const seedArgs = (database: string) => ["scripts/demo.ts", "seed", "--signals", "300", "--orders", "200", "--days", "2", "--database", database, "--json"];

describe("the demo writes only where it may", () => {
  test("services the environment names that the stack's passwords do not open are refused: exit 2, nothing written", async () => {
    const database = `t_demo_cli_refused_${suffix}`;
    const env = { ...process.env, POSTGRES_USER: other.user, POSTGRES_PASSWORD: other.password };
    const seed = await runCli(seedArgs(database), env);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain("which the local stack's own passwords");
    expect(seed.stderr).toContain("--env-file FILE --scratch");
    expect(await databaseExists(database)).toBe(false);
    // RabbitMQ alone pointing elsewhere is refused as well (before anything connects).
    const broker = await runCli(["scripts/demo.ts", "soak", "--minutes", "0.05"], { ...process.env, RABBITMQ_PASSWORD: "not-the-stack's" });
    expect(broker.code).toBe(2);
    expect(broker.stderr).toContain("do not open");
  });

  test("--env-file naming other services needs --scratch; with it the demo writes there", async () => {
    const pg = settings().postgres;
    const file = join(scratch, "scratch.env");
    writeFileSync(
      file,
      [
        `POSTGRES_HOST=${pg.host}`, `POSTGRES_PORT=${pg.port}`, `POSTGRES_USER=${other.user}`, `POSTGRES_PASSWORD=${other.password}`,
        `RABBITMQ_HOST=${settings().rabbitmq.host}`, `RABBITMQ_PORT=${settings().rabbitmq.port}`, `RABBITMQ_USER=${settings().rabbitmq.user}`,
        `RABBITMQ_PASSWORD=${settings().rabbitmq.password}`, "",
      ].join("\n"),
    );
    const database = `t_demo_cli_scratch_${suffix}`;
    // The file alone, with the environment of a shell that names nothing.
    const bare = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(POSTGRES|RABBITMQ)_/.test(name)));
    const refused = await runCli([...seedArgs(database), "--env-file", file], bare);
    expect(refused.code).toBe(2);
    expect(await databaseExists(database)).toBe(false);

    const alone = await runCli([...seedArgs(database), "--scratch"], bare);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("give --env-file FILE with it");

    const seeded = await runCli([...seedArgs(database), "--env-file", file, "--scratch"], bare);
    expect(seeded.stderr).toContain("declared scratch with --scratch");
    expect(seeded.code).toBe(0);
    const [owner] = await admin<{ owner: string }[]>`SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = ${database}`;
    expect(owner?.owner).toBe(other.user);
  }, 60_000);
});

describe("demo seed from the command line", () => {
  test("creates the database, loads signals, orders and their relationships, and reports each table as JSON", async () => {
    const database = `t_demo_cli_seed_${suffix}`;
    const seed = await runCli(seedArgs(database));
    expect(seed.code).toBe(0);
    const report = JSON.parse(seed.stdout) as { tables: { table: string; rows: number }[] };
    const rows = Object.fromEntries(report.tables.map((t) => [t.table, t.rows]));
    expect(rows).toMatchObject({ trading_signals: 300, orders: 200, signal_order_relationships: 200 });
    const sql = await adminSql(database);
    try {
      const [counts] = await sql`
        SELECT (SELECT count(*)::int FROM trading_signals) AS signals, (SELECT count(*)::int FROM orders) AS orders,
          (SELECT count(*)::int FROM signal_order_relationships) AS relationships`;
      expect(counts).toEqual({ signals: 300, orders: 200, relationships: 200 });
    } finally {
      await sql.end();
    }
    // A second seed into the same database is refused: it holds history now.
    const again = await runCli(seedArgs(database));
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already holds rows");
  }, 60_000);

  test("bad numbers are refused before anything connects", async () => {
    const more = await runCli(["scripts/demo.ts", "seed", "--signals", "5", "--orders", "6"]);
    expect(more.code).toBe(2);
    expect(more.stderr).toContain("cannot exceed --signals");
    const negative = await runCli(["scripts/demo.ts", "seed", "--signals", "-5"]);
    expect(negative.code).toBe(2);
  });
});

describe("demo soak from the command line", () => {
  test("runs the activity in a scratch database, reports its counts, exits 0 with no failed statement, and drops the database", async () => {
    const before = await admin<{ datname: string }[]>`SELECT datname FROM pg_database WHERE datname LIKE 'demo_soak_%'`;
    const soak = await runCli(["scripts/demo.ts", "soak", "--minutes", "0.1", "--pace", "20"]);
    expect(soak.stderr).not.toContain("activity error");
    expect(soak.code).toBe(0);
    const stats = JSON.parse(soak.stdout.trim().split("\n").at(-1)!) as { signals: number; orders: number; errorCount: number; errors: unknown[] };
    expect(stats.signals).toBeGreaterThan(30);
    expect(stats.orders).toBeGreaterThan(0);
    expect(stats.errorCount).toBe(0);
    expect(stats.errors).toEqual([]);
    const after = await admin<{ datname: string }[]>`SELECT datname FROM pg_database WHERE datname LIKE 'demo_soak_%'`;
    expect(after.map((d) => d.datname)).toEqual(before.map((d) => d.datname));
  }, 60_000);

  test("a --minutes that is not a positive number is refused", async () => {
    const soak = await runCli(["scripts/demo.ts", "soak", "--minutes", "soon"]);
    expect(soak.code).toBe(2);
    expect(soak.stderr).toContain("--minutes must be a number");
  });
});
