// The schema's shapes against a real PostgreSQL: the December 2025 shape and the newest, each built from
// the project's own DDL of the real migrations (docs/), detected by one catalog query; the canonical views
// built for each, read by the read-only role through security_invoker (so its grants on the base tables
// still decide), the newest meaning on both, and an unknown shape named by column and view.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { convergeViews } from "../scripts/lib/shapes/converge.ts";
import { detectColumns, shapeName } from "../scripts/lib/shapes/detect.ts";
import { VIEW_NAMES } from "../scripts/lib/shapes/views.ts";
import { freshDatabase, settings, useLiveStack } from "./support/live.ts";

useLiveStack();

const DOCS = join(import.meta.dir, "../docs");
const suffix = Math.random().toString(36).slice(2, 8);
const reader = `t_shapes_reader_${suffix}`;
const schema = "monitoring";
let december: Awaited<ReturnType<typeof freshDatabase>>;
let newest: Awaited<ReturnType<typeof freshDatabase>>;

async function build(file: string) {
  const db = await freshDatabase(`shapes_${file.slice(0, 12)}`);
  await db.sql.unsafe(readFileSync(join(DOCS, file), "utf8"));
  await db.sql`CREATE SCHEMA ${db.sql(schema)}`;
  await db.sql.unsafe(`GRANT USAGE ON SCHEMA public, ${schema} TO ${reader}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${reader}`);
  return db;
}

/** Runs a query as the read-only role (SET ROLE in a transaction of the admin's connection). */
async function asReader<T>(sql: postgres.Sql, query: string): Promise<T[]> {
  return (await sql.begin(async (tx) => {
    await tx.unsafe(`SET LOCAL ROLE ${reader}`);
    return tx.unsafe(query);
  })) as unknown as T[];
}

beforeAll(async () => {
  const admin = postgres({ host: settings().postgres.host, port: settings().postgres.port, user: settings().postgres.adminUser, password: settings().postgres.adminPassword, database: "postgres", onnotice: () => {} });
  await admin.unsafe(`CREATE ROLE ${reader} NOLOGIN`);
  await admin.end();
  december = await build("trading-system-2025-12-schema.sql");
  newest = await build("trading-system-now-schema.sql");
});

afterAll(async () => {
  for (const db of [december, newest].filter(Boolean)) {
    await db.sql`DROP OWNED BY ${db.sql(reader)}`.catch(() => {});
    await db.drop();
  }
  const admin = postgres({ host: settings().postgres.host, port: settings().postgres.port, user: settings().postgres.adminUser, password: settings().postgres.adminPassword, database: "postgres", onnotice: () => {} });
  await admin.unsafe(`DROP ROLE IF EXISTS ${reader}`);
  await admin.end();
});

describe("detection", () => {
  test("one catalog query tells the December shape from the newest", async () => {
    expect(shapeName(await detectColumns(december.sql)).name).toBe("2025-12");
    expect(shapeName(await detectColumns(newest.sql)).name).toBe("newest");
  });

  test("a database between the two is named with the migrations it has and lacks", async () => {
    const columns = await detectColumns(december.sql);
    columns.get("trading_signals")!.add("is_rejected");
    const shape = shapeName(columns);
    expect(shape.name).toBe("between");
    expect(shape.present).toEqual(["046 (trading_signals.is_rejected)"]);
    expect(shape.absent).toContain("052 (positions.exit_price)");
  });
});

describe("canonical views", () => {
  test("are built on both shapes, granted to the reader, and a second run changes nothing", async () => {
    for (const db of [december, newest]) {
      const first = await convergeViews(db.sql, schema, reader);
      expect(first.missing).toEqual([]);
      expect(first.applied.filter((s) => s.startsWith("CREATE VIEW"))).toHaveLength(VIEW_NAMES.length);
      expect(first.applied.filter((s) => s.startsWith("GRANT SELECT"))).toHaveLength(VIEW_NAMES.length);
      expect((await convergeViews(db.sql, schema, reader)).applied).toEqual([]);
    }
  });

  test("signals carry the newest meaning on both: is_rejected false on December, a hold reads hold", async () => {
    const at = "2026-01-05 10:00:00";
    await december.sql`INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, "timestamp")
                       VALUES (gen_random_uuid(), 'momentum', 'BTCUSDT', 'buy', 100, 0.9, ${at})`;
    await newest.sql`INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, confidence, "timestamp", is_rejected, rejection_reason, effective_threshold)
                     VALUES (gen_random_uuid(), 'momentum', 'BTCUSDT', 'buy', 100, 0.4, ${at}, true, 'regression_hold_prediction', 0.75)`;
    const [old] = await asReader<{ side: string; is_rejected: boolean; rejection_reason: string | null }>(december.sql, `SELECT side, is_rejected, rejection_reason FROM ${schema}.trading_signals`);
    expect(old).toEqual({ side: "buy", is_rejected: false, rejection_reason: null });
    const [now] = await asReader<{ side: string; is_rejected: boolean; rejection_reason: string | null }>(newest.sql, `SELECT side, is_rejected, rejection_reason FROM ${schema}.trading_signals`);
    expect(now).toEqual({ side: "hold", is_rejected: true, rejection_reason: "regression_hold_prediction" });
  });

  test("security_invoker: without SELECT on the base table the reader cannot read its view", async () => {
    await newest.sql.unsafe(`REVOKE SELECT ON public.orders FROM ${reader}`);
    try {
      await expect(asReader(newest.sql, `SELECT count(*) FROM ${schema}.orders`)).rejects.toThrow(/permission denied for table orders/);
    } finally {
      await newest.sql.unsafe(`GRANT SELECT ON public.orders TO ${reader}`);
    }
    expect(await asReader(newest.sql, `SELECT count(*)::int AS n FROM ${schema}.orders`)).toEqual([{ n: 0 }]);
  });

  test("positions: one history row per position, from positions and closed_positions, each close once", async () => {
    const sql = newest.sql;
    // The reused row of the 040..052 window, closed, its close also in closed_positions (with the
    // position's PnL there, Bybit's running total on the row); a row 053 copied from closed_positions;
    // a close of the history shape and the reopened open row.
    const [reused] = await sql`INSERT INTO positions (asset, mode, size, realized_pnl, created_at, closed_at, current_price, unrealized_pnl)
      VALUES ('ETHUSDT', 'one-way', 0, 999, '2026-01-01 00:00', '2026-01-02 00:00', 3000, 0) RETURNING id`;
    await sql`INSERT INTO closed_positions (original_position_id, asset, mode, average_entry_price, exit_price, realized_pnl, unrealized_pnl_at_close, opened_at, closed_at, version)
      VALUES (${reused!.id}, 'ETHUSDT', 'one-way', 2900, 3000, 12.5, 12.5, '2026-01-01 00:00', '2026-01-02 00:00:00.2', 3)`;
    const migratedId = crypto.randomUUID();
    await sql`INSERT INTO closed_positions (original_position_id, asset, mode, average_entry_price, exit_price, realized_pnl, unrealized_pnl_at_close, opened_at, closed_at, version)
      VALUES (${migratedId}, 'SOLUSDT', 'one-way', 100, 110, 7, 7, '2026-01-01 00:00', '2026-01-03 00:00', 1)`;
    await sql`INSERT INTO positions (id, asset, mode, size, average_entry_price, current_price, exit_price, unrealized_pnl, realized_pnl, created_at, closed_at, last_updated, source)
      VALUES (${migratedId}, 'SOLUSDT', 'one-way', 0, 100, 110, 110, 7, 7, '2026-01-01 00:00', '2026-01-03 00:00', '2026-01-03 00:00', 'migration_from_closed_positions')`;
    await sql`INSERT INTO positions (asset, mode, size, realized_pnl, unrealized_pnl, created_at, closed_at, exit_price) VALUES ('BTCUSDT', 'one-way', 0, -3, 0, '2026-01-04 00:00', '2026-01-04 01:00', 95000)`;
    await sql`INSERT INTO positions (asset, mode, size, average_entry_price, current_price, unrealized_pnl, realized_pnl, created_at) VALUES ('BTCUSDT', 'one-way', 0.5, 96000, 96500, 250, 0, '2026-01-04 02:00')`;
    const rows = await asReader<{ asset: string; is_open: boolean; realized_pnl: string; current_price: string | null; unrealized_pnl: string | null; source: string }>(
      sql,
      `SELECT asset, is_open, realized_pnl, current_price, unrealized_pnl, source FROM ${schema}.positions ORDER BY asset, is_open, closed_at`,
    );
    expect(rows).toEqual([
      { asset: "BTCUSDT", is_open: false, realized_pnl: "-3.00000000", current_price: null, unrealized_pnl: null, source: "positions" },
      { asset: "BTCUSDT", is_open: true, realized_pnl: "0.00000000", current_price: "96500.00000000", unrealized_pnl: "250.00000000", source: "positions" },
      { asset: "ETHUSDT", is_open: false, realized_pnl: "12.50000000", current_price: null, unrealized_pnl: null, source: "closed_positions" },
      // 053's copy: its close-time price and PnL are not shown as live values.
      { asset: "SOLUSDT", is_open: false, realized_pnl: "7.00000000", current_price: null, unrealized_pnl: null, source: "migration_from_closed_positions" },
    ]);
  });

  test("December positions: the reused row, its realized PnL said to be cumulative", async () => {
    await december.sql`INSERT INTO positions (asset, mode, size, realized_pnl, created_at, closed_at) VALUES ('BTCUSDT', 'one-way', 0, 40, '2026-01-01', '2026-01-02')`;
    const rows = await asReader(december.sql, `SELECT asset, is_open, realized_pnl_basis, exit_price FROM ${schema}.positions`);
    expect(rows).toEqual([{ asset: "BTCUSDT", is_open: false, realized_pnl_basis: "cumulative", exit_price: null }]);
    expect(await asReader(december.sql, `SELECT count(*)::int AS n FROM ${schema}.position_orders`)).toEqual([{ n: 0 }]);
  });

  test("a column a view needs, dropped: the view is not built and the column is named", async () => {
    const db = await build("trading-system-2025-12-schema.sql");
    try {
      await convergeViews(db.sql, schema, reader);
      await db.sql`ALTER TABLE positions DROP COLUMN closed_at CASCADE`;
      const outcome = await convergeViews(db.sql, schema, reader);
      expect(outcome.missing).toEqual([{ table: "positions", column: "closed_at", view: "positions" }]);
      const [view] = await db.sql`SELECT to_regclass('monitoring.positions') AS v`;
      expect(view!.v).toBeNull();
    } finally {
      await db.sql`DROP OWNED BY ${db.sql(reader)}`.catch(() => {});
      await db.drop();
    }
  });
});

describe("the demo in both shapes", () => {
  const COLUMNS = `
    SELECT table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '') ||
           coalesce('(' || numeric_precision || ',' || numeric_scale || ')', '') || CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END AS c
    FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name IN ('trading_signals', 'orders', 'model_versions', 'positions', 'position_snapshots', 'position_orders', 'closed_positions')
    ORDER BY 1`;

  test("the newest demo database has the newest shape's columns, and the December one the December shape's", async () => {
    const { applyDemoSchema } = await import("../scripts/lib/demo/schema.ts");
    for (const [shape, reference] of [["newest", newest], ["2025-12", december]] as const) {
      const demo = await freshDatabase(`shapes_demo_${shape.replace("-", "_")}`);
      try {
        await applyDemoSchema(demo.sql, shape);
        expect(shapeName(await detectColumns(demo.sql)).name).toBe(shape);
        const mine = (await demo.sql.unsafe(COLUMNS)).map((r) => r.c as string);
        const real = (await reference.sql.unsafe(COLUMNS)).map((r) => r.c as string);
        expect(mine).toEqual(real);
      } finally {
        await demo.drop();
      }
    }
  });

  test("a newest demo database is not taken back to December: refused, nothing changed", async () => {
    const { applyDemoSchema } = await import("../scripts/lib/demo/schema.ts");
    const demo = await freshDatabase("shapes_demo_back");
    try {
      await applyDemoSchema(demo.sql, "newest");
      await expect(applyDemoSchema(demo.sql, "2025-12")).rejects.toThrow(/newest schema shape.*cannot take it back/);
      expect(shapeName(await detectColumns(demo.sql)).name).toBe("newest");
    } finally {
      await demo.drop();
    }
  });
});

describe("the read-only role on the newest shape", () => {
  test("reads the new tables the views read and the views, and no other new table", async () => {
    const { applyDemoSchema } = await import("../scripts/lib/demo/schema.ts");
    const { runRoleStep } = await import("../scripts/lib/role/role-step.ts");
    const demo = await freshDatabase("shapes_role");
    const config = { ...settings(), postgres: { ...settings().postgres, database: demo.name } };
    const reader = postgres({ host: config.postgres.host, port: config.postgres.port, database: demo.name, user: config.monitorRole.user, password: config.monitorRole.password, max: 1, onnotice: () => {} });
    try {
      await applyDemoSchema(demo.sql, "newest");
      const step = await runRoleStep(config, {});
      expect([step.ok, step.monitoring?.shape?.name, step.postgres.missingTables]).toEqual([true, "newest", []]);
      const attempt = (query: string) => reader.unsafe(query).then(() => "ok", (e: { code?: string }) => e.code ?? "error");
      for (const table of ["position_orders", "closed_positions", "monitoring.positions", "monitoring.position_orders", "monitoring.trading_signals"]) {
        expect({ table, result: await attempt(`SELECT count(*) FROM ${table}`) }).toEqual({ table, result: "ok" });
      }
      expect(await attempt("SELECT count(*) FROM model_predictions")).toBe("42501");
      // A second run changes nothing.
      expect((await runRoleStep(config, {})).changes).toBe(0);
    } finally {
      await reader.end();
      await demo.drop();
    }
  });
});
