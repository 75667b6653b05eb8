// The benchmark's database: the demo's bulk seed at a chosen size, in a database of its own, reused while
// its row counts match, and the read-only role converged on it (grants are per database).
import type postgres from "postgres";
import { type Config, isPostgresName } from "../config.ts";
import { badInput } from "../errors.ts";
import { openDatabase, runFormatted } from "../postgres.ts";
import { type DemoShape, applyDemoSchema } from "../demo/schema.ts";
import { seedDemo } from "../demo/seed.ts";
import { DatabaseFiguresReader } from "../monitor/database.ts";
import { EventStore } from "../monitor/events.ts";
import { BUCKET_MS, OrderBuckets } from "../monitor/order-buckets.ts";
import { runRoleStep } from "../role/role-step.ts";

/** The real system's volume: up to ~70 signals a minute, about 100k a day (~3M a month). The history is
 *  spread at that density, so a "last 24 hours" range holds the same rows at every table size. */
export const SIGNALS_PER_DAY = 100_000;

export interface SeedInfo {
  rows: number;
  days: number;
  /** Wall time of the bulk seed (COPY and index rebuilds) and of the ANALYZE after it. */
  seedSeconds: number;
  analyzeSeconds: number;
  seededAt: string;
}

export interface BenchDatabase {
  name: string;
  rows: number;
  /** True when this run seeded it (false: reused). */
  seededNow: boolean;
  /** As recorded when it was seeded (null for a database seeded by other means). */
  seed: SeedInfo | null;
  /** The newest signal: ranges end here, so that a database seeded days ago still fills them. */
  dataEnd: Date;
}

/** bench_10m, bench_1m, bench_200k. */
export function defaultDatabaseName(rows: number): string {
  if (rows % 1_000_000 === 0) return `bench_${rows / 1_000_000}m`;
  if (rows % 1_000 === 0) return `bench_${rows / 1_000}k`;
  return `bench_${rows}`;
}

export function withDatabase(config: Config, database: string): Config {
  return { ...config, postgres: { ...config.postgres, database } };
}

export async function prepareDatabase(
  config: Config,
  options: { rows: number; database: string; schema?: DemoShape; log: (line: string) => void },
): Promise<BenchDatabase> {
  const { rows, database, log } = options;
  if (!isPostgresName(database)) throw badInput(`--database must be a PostgreSQL name (not empty, at most 63 bytes), got ${JSON.stringify(database)}`);
  const dbConfig = withDatabase(config, database);
  const sql = await openDatabase(config, database);
  try {
    await applyDemoSchema(sql, options.schema);
    const [counts] = await sql<{ signals: number; orders: number; models: number }[]>`
      SELECT (SELECT count(*) FROM trading_signals)::int AS signals, (SELECT count(*) FROM orders)::int AS orders,
        (SELECT count(*) FROM model_versions)::int AS models`;
    let seededNow = false;
    let seed = await readSeedInfo(sql, database);
    if (counts!.signals === rows && counts!.orders === rows) {
      log(`${database}: reused (${rows} signals and orders${seed ? `, seeded ${seed.seededAt} in ${seed.seedSeconds.toFixed(0)} s` : ""})`);
    } else if (counts!.signals === 0 && counts!.orders === 0 && counts!.models === 0) {
      seed = await seedDatabase(sql, database, rows, log);
      seededNow = true;
    } else {
      throw badInput(
        `${database} holds ${counts!.signals} signals and ${counts!.orders} orders, not ${rows} of each: drop it ` +
          `(DROP DATABASE ${database}) or name another with --database; the benchmark never drops a database itself`,
      );
    }
    // The role's grants are per database; `role` creates no index (sql/indexes.sql stays a recommendation).
    // The RabbitMQ monitoring user too when configured, so that the whole dashboard loads as Grafana's would.
    const role = await runRoleStep(dbConfig, { rabbitmq: Boolean(config.rabbitmq.monitorPassword && config.rabbitmq.password) });
    if (role.postgres.status === "failed") throw new Error(`the read-only role could not be converged in ${database}: ${role.postgres.error}`);
    if (role.rabbitmq?.status === "failed") log(`RabbitMQ monitoring user not converged (${role.rabbitmq.error}): the dashboard's RabbitMQ panels will fail`);
    const dataEnd = await newestSignal(sql);
    await keepOrderBuckets(dbConfig, dataEnd, log);
    return { name: database, rows, seededNow, seed, dataEnd };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Days of settled order buckets the benchmark summarizes before the data's end: the ranges it measures. */
const SUMMARIZED_DAYS = 2;

/** The monitor's summary of settled order buckets (monitor/order-buckets.ts) as `bun run monitor` keeps it
 *  on a live system, with the data's end as now, so that model quality is measured as it runs there; and
 *  what the monitor's readings cost at this size. Without the monitor's writer, none: model quality then
 *  joins the whole range, as it does where no monitor runs. */
async function keepOrderBuckets(config: Config, dataEnd: Date, log: (line: string) => void): Promise<void> {
  if (!config.monitor.writerPassword) {
    log("no MONITOR_POSTGRES_PASSWORD: model quality is measured without the monitor's order summary (the whole range joined)");
    return;
  }
  const reader = new DatabaseFiguresReader(config);
  const store = EventStore.open(config);
  try {
    const buckets = new OrderBuckets(reader, store.sql, config.monitor.schema);
    const started = performance.now();
    let summarized = 0;
    for (let kept = await buckets.keep(dataEnd, SUMMARIZED_DAYS); kept.buckets > 0; kept = await buckets.keep(dataEnd, SUMMARIZED_DAYS)) summarized += kept.buckets;
    const coverage = await buckets.coverage();
    log(`${config.postgres.database}: the monitor's order summary: ${summarized} bucket(s) summarized in ${((performance.now() - started) / 1000).toFixed(1)} s, ${coverage.first?.toISOString()} to ${coverage.last?.toISOString()}`);
    const one = performance.now();
    await buckets.summarize({ from: coverage.last!, to: new Date(coverage.last!.getTime() + BUCKET_MS) }, dataEnd);
    const oneMs = performance.now() - one;
    const compared = performance.now();
    await buckets.keep(dataEnd, SUMMARIZED_DAYS);
    log(`  a monitor reading at this rate: one new bucket ${oneMs.toFixed(1)} ms, a day of buckets compared with the index ${(performance.now() - compared).toFixed(1)} ms`);
  } finally {
    await Promise.all([reader.close(), store.close()]);
  }
}

/** The newest signal's time. Read as epoch milliseconds: the column has no time zone, and a Date parsed
 *  from its text would take this process's zone. */
export async function newestSignal(sql: postgres.Sql): Promise<Date> {
  const [row] = await sql<{ ms: number | null }[]>`SELECT (extract(epoch FROM max("timestamp")) * 1000)::float8 AS ms FROM trading_signals`;
  return new Date(row?.ms ?? Date.now());
}

async function seedDatabase(sql: postgres.Sql, database: string, rows: number, log: (line: string) => void): Promise<SeedInfo> {
  const days = Math.max(1, Math.round(rows / SIGNALS_PER_DAY));
  log(`${database}: seeding ${rows} signals and ${rows} orders over ${days} days (the demo bulk seed)`);
  const step = Math.max(100_000, Math.round(rows / 10));
  let shown = 0;
  const report = await seedDemo(sql, {
    signals: rows,
    orders: rows,
    days,
    onProgress: (table, loaded) => {
      if (table === "trading_signals" && loaded >= shown + step) log(`  ${(shown = loaded)} signals loaded`);
    },
  });
  log(`${database}: seeded in ${report.seconds.toFixed(1)} s; ANALYZE`);
  const started = performance.now();
  await sql`ANALYZE`;
  const info: SeedInfo = {
    rows,
    days,
    seedSeconds: Math.round(report.seconds * 10) / 10,
    analyzeSeconds: Math.round((performance.now() - started) / 100) / 10,
    seededAt: new Date().toISOString(),
  };
  // Kept with the database, so that a later run reusing it can still say how long the seed took.
  await runFormatted(sql, "COMMENT ON DATABASE %I IS %L", [database, JSON.stringify(info)]);
  return info;
}

async function readSeedInfo(sql: postgres.Sql, database: string): Promise<SeedInfo | null> {
  const [row] = await sql<{ comment: string | null }[]>`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = ${database}`;
  try {
    const info = JSON.parse(row?.comment ?? "null") as SeedInfo | null;
    return info && typeof info.seedSeconds === "number" ? info : null;
  } catch {
    return null;
  }
}
