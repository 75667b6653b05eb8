// The one large fixture of the suite: a database of a million signals and a million orders from the demo's
// bulk seed, at the real system's density (100k signals a day, so ten days), ANALYZEd. It is seeded once per
// stack and kept there as a template, reseeded only when the code that seeds it changes; each test file
// gets a copy of its own (CREATE DATABASE ... TEMPLATE), so that what one file changes no other sees.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { runFormatted } from "../../scripts/lib/postgres.ts";
import { SIGNALS_PER_DAY } from "../../scripts/lib/bench/database.ts";
import { applyDemoSchema } from "../../scripts/lib/demo/schema.ts";
import { type SeedReport, seedDemo } from "../../scripts/lib/demo/seed.ts";
import { adminSql } from "./live.ts";

const ROWS = 1_000_000;
export const FIXTURE = { signals: ROWS, orders: ROWS, days: ROWS / SIGNALS_PER_DAY } as const;

const TEMPLATE = "fixture_1m_signals_orders";
const REPO = join(import.meta.dir, "..", "..");

/** What the seed of the template reported, kept with it (COMMENT ON DATABASE). */
export interface FixtureSeed {
  /** The seeding code it was made by: a change of it makes a new template. */
  fingerprint: string;
  /** When the seed ran (epoch ms): its history ends then. */
  seededAt: number;
  report: SeedReport;
  /** The last running total onProgress gave per table. */
  progress: Record<string, number>;
}

/** The demo's schema and seeding code: what the fixture's rows depend on. */
function fingerprint(): string {
  const hash = createHash("sha256").update(JSON.stringify(FIXTURE));
  const demo = join(REPO, "scripts", "lib", "demo");
  for (const file of readdirSync(demo).filter((f) => f.endsWith(".ts")).sort()) hash.update(file).update(readFileSync(join(demo, file)));
  hash.update(readFileSync(join(REPO, "sql", "demo", "schema.sql")));
  return hash.digest("hex");
}

let template: Promise<FixtureSeed> | undefined;

/** The template, seeded now when missing or made by other code. Another test run on the same stack waits
 *  for this one (an advisory lock) instead of seeding it twice. */
function ensureTemplate(): Promise<FixtureSeed> {
  template ??= (async () => {
    const admin = await adminSql("postgres");
    const session = await admin.reserve();
    try {
      await session`SELECT pg_advisory_lock(hashtext(${TEMPLATE}))`;
      const [row] = await session<{ comment: string | null }[]>`
        SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = ${TEMPLATE}`;
      const kept = parse(row?.comment);
      const wanted = fingerprint();
      if (kept?.fingerprint === wanted) return kept;
      await session`DROP DATABASE IF EXISTS ${session(TEMPLATE)} WITH (FORCE)`;
      await session`CREATE DATABASE ${session(TEMPLATE)}`;
      const seed = await seedTemplate(wanted);
      await runFormatted(session, "COMMENT ON DATABASE %I IS %L", [TEMPLATE, JSON.stringify(seed)]);
      return seed;
    } finally {
      await session`SELECT pg_advisory_unlock(hashtext(${TEMPLATE}))`.catch(() => {});
      session.release();
      await admin.end();
    }
  })();
  return template;
}

async function seedTemplate(wanted: string): Promise<FixtureSeed> {
  const sql = await adminSql(TEMPLATE);
  try {
    await applyDemoSchema(sql);
    const progress: Record<string, number> = {};
    const seededAt = Date.now();
    const report = await seedDemo(sql, { ...FIXTURE, onProgress: (table, rows) => (progress[table] = rows) });
    for (const row of report.tables) {
      console.error(`[fixture] ${row.table.padEnd(26)} ${String(row.rows).padStart(9)} rows ${row.seconds.toFixed(2).padStart(7)} s ${Math.round(row.rowsPerSecond).toString().padStart(8)} rows/s`);
    }
    console.error(`[fixture] seeded ${TEMPLATE} in ${report.seconds.toFixed(1)} s`);
    await sql`ANALYZE`;
    return { fingerprint: wanted, seededAt, report, progress };
  } finally {
    // A template may have no connection when it is copied.
    await sql.end();
  }
}

function parse(comment: string | null | undefined): FixtureSeed | undefined {
  try {
    const seed = JSON.parse(comment ?? "null") as FixtureSeed | null;
    return seed && typeof seed.fingerprint === "string" ? seed : undefined;
  } catch {
    return undefined;
  }
}

/** A copy of the fixture for one test file: its name, an admin connection, how it was seeded, and drop(). */
export async function fixtureCopy(prefix: string) {
  const seed = await ensureTemplate();
  const name = `t_${prefix.replace(/\W/g, "_")}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await adminSql("postgres");
  await admin`CREATE DATABASE ${admin(name)} TEMPLATE ${admin(TEMPLATE)} STRATEGY FILE_COPY`;
  const sql = await adminSql(name);
  return {
    name,
    sql,
    seed,
    async drop() {
      await sql.end();
      await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`;
      await admin.end();
    },
  };
}
