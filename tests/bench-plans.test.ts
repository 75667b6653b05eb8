// The dashboards' plans at a million rows, as the read-only role runs them: no panel or variable query
// reads trading_signals or orders whole, with or without the recommended indexes, and the aggregates
// rewritten for speed answer what the straightforward SQL answers. Plans only: times are for `bun run
// bench`, never asserted here.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import type { Config } from "../scripts/lib/config.ts";
import { postgresText } from "../scripts/lib/check/sources/postgres.ts";
import { type QueryEngine, queryContext } from "../scripts/lib/check/run.ts";
import type { QueryContext } from "../scripts/lib/check/sources/kind.ts";
import type { DirectRunner } from "../scripts/lib/check/runner.ts";
import type { Frame } from "../scripts/lib/check/frames.ts";
import { type BenchContexts, benchContexts } from "../scripts/lib/bench/contexts.ts";
import { newestSignal, withDatabase } from "../scripts/lib/bench/database.ts";
import { createIndexes, presentIndexes, recommendedIndexes } from "../scripts/lib/bench/indexes.ts";
import { benchQueries } from "../scripts/lib/bench/measure.ts";
import { type SqlQuery, dashboardSqlQueries, naiveQueries } from "../scripts/lib/bench/queries.ts";
import { utcText } from "../scripts/lib/demo/seed-clock.ts";
import { runRoleStep } from "../scripts/lib/role/role-step.ts";
import { FIXTURE, fixtureCopy } from "./support/fixture.ts";
import { settings, useLiveStack } from "./support/live.ts";

useLiveStack();

/** A million signals and orders at the real system's density (the suite's shared fixture, ten days): the
 *  24-hour range holds a tenth. */
const ROWS = FIXTURE.signals;
const BIG_TABLES = ["trading_signals", "orders"];

let db: Awaited<ReturnType<typeof fixtureCopy>>;
let config: Config;
let role: postgres.Sql;
let engine: QueryEngine & { runner: DirectRunner };
let bench: BenchContexts;
let queries: SqlQuery[];
let dashboards: ReturnType<typeof dashboardDefinitions>;

beforeAll(async () => {
  db = await fixtureCopy("bench_plans");
  config = withDatabase(settings(), db.name);
  expect((await runRoleStep(config, {})).postgres.status).toBe("ok");
  dashboards = dashboardDefinitions();
  const datasources = datasourceDefinitions(config);
  queries = dashboardSqlQueries(dashboards, datasources);
  const { postgres: pg, monitorRole } = config;
  role = postgres({ host: pg.host, port: pg.port, database: db.name, user: monitorRole.user, password: monitorRole.password, max: 1, onnotice: () => {} });
  engine = benchQueries(config, datasources);
  bench = await benchContexts(db.sql, engine, dashboards, queries, await newestSignal(db.sql));
}, 900_000);

afterAll(async () => {
  await engine?.runner.close();
  await role?.end({ timeout: 2 });
  await db?.drop();
});

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

/** Every node of the query's plan as the read-only role gets it with these variables. */
async function plan(query: SqlQuery, context: QueryContext): Promise<PlanNode[]> {
  const [row] = await role.unsafe(`EXPLAIN (FORMAT JSON) ${postgresText(query.target, context)}`);
  const nodes: PlanNode[] = [];
  const visit = (node: PlanNode) => {
    nodes.push(node);
    for (const child of node.Plans ?? []) visit(child);
  };
  visit((row!["QUERY PLAN"] as { Plan: PlanNode }[])[0]!.Plan);
  return nodes;
}

/** Every node of the query's plan as the read-only role gets it, for both the default and the narrow variables. */
async function planNodes(query: SqlQuery): Promise<{ variables: string; nodes: PlanNode[] }[]> {
  const contexts = bench.contexts.get(query.dashboard.uid)!;
  const out = [];
  for (const [variables, context] of [["default", contexts.base], ["narrow", contexts.narrow]] as const) out.push({ variables, nodes: await plan(query, context) });
  return out;
}

async function sequentialScans(list: SqlQuery[]): Promise<string[]> {
  const found: string[] = [];
  for (const query of list) {
    for (const { variables, nodes } of await planNodes(query)) {
      for (const node of nodes) {
        if (node["Node Type"] === "Seq Scan" && BIG_TABLES.includes(node["Relation Name"] ?? "")) {
          found.push(`${query.name} (${variables} variables): Seq Scan on ${node["Relation Name"]}`);
        }
      }
    }
  }
  return found;
}

const column = (frame: Frame, name: string) => frame.fields.find((f) => f.name === name)!.values;
const rowsOf = (frame: Frame, names: string[]) =>
  column(frame, names[0]!).map((_, i) => Object.fromEntries(names.map((n) => [n, column(frame, n)[i]])));

describe(`plans at ${ROWS / 1_000_000}M signals and orders, as the read-only role`, () => {
  test("the role step created none of the recommended indexes", async () => {
    expect(recommendedIndexes().length).toBeGreaterThan(0);
    expect(await presentIndexes(db.sql)).toEqual([]);
  });

  test("the check sees a sequential scan: the naive orders query reads orders whole", async () => {
    const naive = naiveQueries(queries).find((q) => q.name === "naive-orders")!;
    expect(await sequentialScans([naive])).toContain("naive-orders (default variables): Seq Scan on orders");
  });

  test("no SQL query of the dashboards reads trading_signals or orders sequentially, without the recommended indexes", async () => {
    expect(queries.length).toBeGreaterThanOrEqual(16);
    expect(await sequentialScans(queries)).toEqual([]);
  });

  test("the signals and orders of a chosen strategy or asset come from its own part of an index, never from a walk by time", async () => {
    // Walking signals or orders newest first until 100 match would read the whole table for a strategy or an
    // asset that stopped long ago; the planner's statistics cannot tell it has.
    const main = dashboards.find((d) => d.uid === queries.find((q) => q.name === "orders")!.dashboard.uid)!;
    const { from, to } = bench.ranges.get(main.uid)!;
    const assetOnly = await queryContext(main, engine, { from, to, variables: { asset: [bench.narrow.asset!] } });
    for (const name of ["signals", "orders"]) {
      const query = queries.find((q) => q.name === name)!;
      for (const [chosen, context, index] of [
        ["strategy and asset", bench.contexts.get(main.uid)!.narrow, "idx_trading_signals_strategy_timestamp"],
        ["asset", assetOnly, "idx_trading_signals_asset_timestamp"],
      ] as const) {
        const indexes = (await plan(query, context)).map((n) => n["Index Name"]).filter(Boolean);
        expect({ name, chosen, indexes }).toMatchObject({ name, chosen, indexes: expect.arrayContaining([index]) });
        const byTime = indexes.filter((i) => i === "idx_orders_created_at" || i === "idx_trading_signals_timestamp");
        expect({ name, chosen, byTime }).toEqual({ name, chosen, byTime: [] });
      }
    }
  });

  test("the rewritten aggregates answer what the straightforward SQL answers, late and orphan orders included", async () => {
    // An order whose signal is two days older (a backlog), one whose signal is not in trading_signals, and a
    // warm-up signal of a trained strategy inside the range (not its latest: model state says not in warm-up);
    // both orders in the range, which model quality's order columns cover.
    const at = (minutes: number) => utcText(bench.now.getTime() - 60_000 - minutes * 60_000);
    await db.sql`INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, "timestamp", is_warmup)
      VALUES ('00000000-0000-4000-8000-000000000001', 'late_strategy', 'BTCUSDT', 'buy', 1, ${at(2 * 24 * 60)}, false),
             ('00000000-0000-4000-8000-000000000003', 'momentum_v1', 'BTCUSDT', 'buy', 1, ${at(50)}, true)`;
    await db.sql`INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, status, created_at)
      VALUES ('late-1', '00000000-0000-4000-8000-000000000001', 'BTCUSDT', 'Buy', 'Market', 1, 'filled', ${at(30)}),
             ('orphan-1', '00000000-0000-4000-8000-000000000002', 'BTCUSDT', 'Buy', 'Market', 1, 'filled', ${at(30)})`;
    const { from, to } = bench.ranges.get(queries.find((q) => q.name === "model-quality")!.dashboard.uid)!;
    const run = async (name: string) => {
      const query = queries.find((q) => q.name === name)!;
      // A SQL target answers one frame.
      return (await engine.runner.run(query.target, query.datasource, bench.contexts.get(query.dashboard.uid)!.base))[0]!;
    };

    const quality = rowsOf(await run("model-quality"), ["strategy_id", "orders", "filled"]);
    const expected = await db.sql`
      SELECT s.strategy_id, count(*)::int AS orders,
             (count(*) FILTER (WHERE o.status IN ('filled', 'partially_filled')))::int AS filled
      FROM orders o JOIN trading_signals s ON s.signal_id = o.signal_id
      WHERE o.created_at BETWEEN (${from}::timestamptz AT TIME ZONE 'UTC') AND (${to}::timestamptz AT TIME ZONE 'UTC')
      GROUP BY 1 ORDER BY 1`;
    expect(expected.length).toBeGreaterThan(1);
    expect(quality.filter((r) => Number(r.orders) > 0)).toEqual([...expected]);
    expect(quality.find((r) => r.strategy_id === "late_strategy")).toMatchObject({ orders: 1, filled: 1 });

    const hours = await run("orders-per-hour");
    const perHour = await db.sql<{ time: number; filled: number; rejected: number; other: number }[]>`
      WITH hours AS (
        SELECT generate_series(date_trunc('hour', ${from}::timestamptz AT TIME ZONE 'UTC'), ${to}::timestamptz AT TIME ZONE 'UTC', interval '1 hour') AS hour
      )
      SELECT (extract(epoch FROM h.hour) * 1000)::float8 AS time,
             (count(o.status) FILTER (WHERE o.status IN ('filled', 'partially_filled')))::int AS filled,
             (count(o.status) FILTER (WHERE o.status = 'rejected'))::int AS rejected,
             (count(o.status) FILTER (WHERE o.status NOT IN ('filled', 'partially_filled', 'rejected')))::int AS other
      FROM hours h
      LEFT JOIN orders o ON date_trunc('hour', o.created_at) = h.hour
        AND o.created_at BETWEEN (${from}::timestamptz AT TIME ZONE 'UTC') AND (${to}::timestamptz AT TIME ZONE 'UTC')
      GROUP BY 1 ORDER BY 1`;
    expect(perHour.reduce((n, r) => n + r.filled + r.rejected + r.other, 0)).toBeGreaterThan(1000);
    expect(column(hours, "Time")).toEqual(perHour.map((r) => r.time));
    for (const series of ["filled", "rejected", "other"] as const) expect(column(hours, series)).toEqual(perHour.map((r) => r[series]));

    const state = rowsOf(await run("model-state"), ["strategy_id", "warm_up"]);
    // Warm-up now, a row per strategy and active model (per symbol in the newest shape; read through the
    // views, which give every shape the newest's columns): the
    // state of the latest accepted signal of the model's symbol (any, for a model of every symbol); a
    // strategy without signals, no active model.
    const warm = await db.sql<{ strategy_id: string; warm_up: boolean }[]>`
      WITH strategies AS (SELECT DISTINCT strategy_id FROM trading_signals UNION SELECT strategy_id FROM model_versions WHERE strategy_id IS NOT NULL)
      SELECT st.strategy_id, coalesce(
        (SELECT w.is_warmup FROM monitoring.trading_signals w WHERE w.strategy_id = st.strategy_id AND NOT w.is_rejected AND (m.symbol IS NULL OR w.asset = m.symbol)
         ORDER BY w."timestamp" DESC LIMIT 1),
        m.id IS NULL) AS warm_up
      FROM strategies st LEFT JOIN monitoring.model_versions m ON m.strategy_id = st.strategy_id AND m.is_active
      ORDER BY st.strategy_id, m.symbol NULLS FIRST`;
    expect(state).toEqual([...warm]);
    expect(state.find((r) => r.strategy_id === "momentum_v1")?.warm_up).toBe(false);
  }, 60_000);

  test("nor with the recommended indexes, which the plans then use", async () => {
    await db.sql`DELETE FROM orders WHERE order_id IN ('late-1', 'orphan-1')`;
    await createIndexes(db.sql);
    // Index-only scans need the visibility map, which autovacuum keeps once tuned as sql/indexes.sql says.
    await db.sql`VACUUM (ANALYZE) orders, trading_signals`;
    expect((await presentIndexes(db.sql)).sort()).toEqual(recommendedIndexes().map((i) => i.name).sort());
    expect(await sequentialScans(queries)).toEqual([]);
    const used = new Set<string>();
    for (const query of queries) for (const { nodes } of await planNodes(query)) for (const n of nodes) if (n["Index Name"]) used.add(n["Index Name"]);
    for (const index of recommendedIndexes()) expect([...used]).toContain(index.name);
  }, 120_000);
});
