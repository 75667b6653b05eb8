// The demo schema against the facts of the real trading system (shared/docs/source-system.md). The
// expectations (tests/support/demo-schema-facts.ts) are written by hand from that document, never derived
// from sql/demo/schema.sql.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { applyDemoSchema, createLegacyMonitorRole } from "../scripts/lib/demo/schema.ts";
import { adminSql, freshDatabase, settings, useLiveStack } from "./support/live.ts";
import {
  COMPLETE_CONSTRAINTS, COMPLETE_TABLES, INDEXES, PARTIAL_CONSTRAINTS, PARTIAL_TABLES, columnLine, columnsOf, constraintsOf, indexesOf,
  partialMismatch, schemaMismatches,
} from "./support/demo-schema-facts.ts";

useLiveStack();

let db: Awaited<ReturnType<typeof freshDatabase>>;

beforeAll(async () => {
  db = await freshDatabase("demo_schema");
  await applyDemoSchema(db.sql, "2025-12");
});

afterAll(async () => {
  await db?.drop();
});

// ---------------------------------------------------------------------------------------------------

describe("demo schema: columns", () => {
  for (const [table, expected] of Object.entries(COMPLETE_TABLES)) {
    test(`${table} has exactly the real columns`, async () => {
      expect((await columnsOf(table, db.sql)).map(columnLine)).toEqual(expected);
    });
  }

  for (const [table, expected] of Object.entries(PARTIAL_TABLES)) {
    test(`${table} has the columns the facts name`, async () => {
      const columns = await columnsOf(table, db.sql);
      const byName = new Map(columns.map((c) => [c.column_name, c]));
      const mismatches = expected.map((line) => partialMismatch(line, byName.get(line.split(" ")[0]!))).filter(Boolean);
      expect(mismatches).toEqual([]);
    });
  }

  test("every time column is TIMESTAMP without time zone", async () => {
    const rows = await db.sql<{ column: string; data_type: string }[]>`
      SELECT table_name || '.' || column_name AS column, data_type FROM information_schema.columns
      WHERE table_schema = 'public' AND (data_type LIKE 'time%' OR data_type = 'date')`;
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => r.data_type !== "timestamp without time zone")).toEqual([]);
  });

  test("DECIMAL is DECIMAL(20,8) everywhere but trading_signals.confidence (5,4)", async () => {
    const rows = await db.sql<{ column: string; precision: number; scale: number }[]>`
      SELECT table_name || '.' || column_name AS column, numeric_precision AS precision, numeric_scale AS scale
      FROM information_schema.columns WHERE table_schema = 'public' AND data_type = 'numeric'
        AND table_name IN ('trading_signals', 'orders', 'execution_events', 'model_quality_metrics', 'positions', 'position_snapshots',
          'signal_order_relationships')`;
    const odd = rows.filter((r) => !(r.precision === 20 && r.scale === 8)).map((r) => `${r.column} (${r.precision},${r.scale})`);
    expect(odd).toEqual(["trading_signals.confidence (5,4)"]);
  });
});

describe("demo schema: constraints and indexes", () => {
  test("the schema as a whole has nothing more or less than the facts", async () => {
    expect(await schemaMismatches(db.sql)).toEqual([]);
  });

  for (const [table, expected] of Object.entries(COMPLETE_CONSTRAINTS)) {
    test(`${table} has exactly the real keys and CHECKs`, async () => {
      expect(await constraintsOf(table, db.sql)).toEqual([...expected].sort());
    });
  }

  for (const [table, expected] of Object.entries(PARTIAL_CONSTRAINTS)) {
    test(`${table} has the keys the facts name`, async () => {
      const actual = await constraintsOf(table, db.sql);
      for (const definition of expected) expect(actual).toContain(definition);
    });
  }

  for (const [table, expected] of Object.entries(INDEXES)) {
    test(`${table} has exactly the real indexes`, async () => {
      expect(await indexesOf(table, db.sql)).toEqual([...expected].sort());
    });
  }
});

describe("demo schema: behaviour", () => {
  test("applying it a second time changes nothing", async () => {
    const before = await db.sql`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`;
    expect(await applyDemoSchema(db.sql, "2025-12")).toEqual([]);
    const after = await db.sql`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  const insertOrder = (side: string, extra: { orderType?: string; price?: number | null; filled?: number } = {}) => db.sql`
    INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, price, filled_quantity)
    VALUES (${crypto.randomUUID()}, gen_random_uuid(), 'BTCUSDT', ${side}, ${extra.orderType ?? "Market"}, 0.01,
      ${extra.price ?? null}, ${extra.filled ?? 0})`;

  test("orders.side takes exactly 'Buy' and 'SELL'", async () => {
    await insertOrder("Buy");
    await insertOrder("SELL");
    for (const side of ["buy", "Sell", "sell", "BUY"]) {
      await expect(insertOrder(side)).rejects.toMatchObject({ code: "23514" });
    }
  });

  test("a Limit order needs a price > 0, and filled_quantity stays within 0..quantity", async () => {
    await insertOrder("Buy", { orderType: "Limit", price: 97_000 });
    await expect(insertOrder("Buy", { orderType: "Limit", price: null })).rejects.toMatchObject({ code: "23514" });
    await expect(insertOrder("Buy", { orderType: "Limit", price: 0 })).rejects.toMatchObject({ code: "23514" });
    await expect(insertOrder("Buy", { filled: 0.02 })).rejects.toMatchObject({ code: "23514" });
    await expect(insertOrder("Buy", { filled: -0.01 })).rejects.toMatchObject({ code: "23514" });
  });

  test("trading_signals.side is lower case", async () => {
    const insert = (side: string) => db.sql`
      INSERT INTO trading_signals (signal_id, strategy_id, asset, side, price, "timestamp")
      VALUES (gen_random_uuid(), 'momentum_v1', 'BTCUSDT', ${side}, 97000, now())`;
    await insert("buy");
    await expect(insert("Buy")).rejects.toMatchObject({ code: "23514" });
  });

  test("at most one active model per strategy; inactive ones and other strategies are free", async () => {
    const strategy = `s_${crypto.randomUUID().slice(0, 8)}`;
    const insert = (active: boolean, strategyId = strategy) => db.sql`
      INSERT INTO model_versions (version, file_path, model_type, strategy_id, is_active)
      VALUES (${`v${Math.floor(Math.random() * 1e9)}`}, '/models/x.pkl', 'xgboost', ${strategyId}, ${active})`;
    await insert(true);
    await insert(false);
    await insert(false);
    await insert(true, `${strategy}_other`);
    await expect(insert(true)).rejects.toMatchObject({ code: "23505" });
  });

  test("signal_order_relationships: the real CHECKs, one row per signal and order, gone with its order", async () => {
    const [order] = await db.sql<{ id: string; signal_id: string }[]>`
      INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity)
      VALUES (${crypto.randomUUID()}, gen_random_uuid(), 'BTCUSDT', 'Buy', 'Market', 0.01) RETURNING id, signal_id`;
    const link = (type: string, sequence: number | null = 1, amount: number | null = null) => db.sql`
      INSERT INTO signal_order_relationships (signal_id, order_id, relationship_type, execution_sequence, allocation_amount)
      VALUES (${order!.signal_id}, ${order!.id}, ${type}, ${sequence}, ${amount})`;
    // The demo's earlier activity wrote 'primary': the real CHECK refuses it.
    await expect(link("primary")).rejects.toMatchObject({ code: "23514" });
    await expect(link("one_to_one", 0)).rejects.toMatchObject({ code: "23514" });
    await expect(link("one_to_one", 1, 0)).rejects.toMatchObject({ code: "23514" });
    // No default for relationship_type.
    await expect(db.sql`INSERT INTO signal_order_relationships (signal_id, order_id) VALUES (${order!.signal_id}, ${order!.id})`)
      .rejects.toMatchObject({ code: "23502" });
    await link("one_to_one");
    await expect(link("one_to_many", 2)).rejects.toMatchObject({ code: "23505" });
    await db.sql`DELETE FROM orders WHERE id = ${order!.id}`;
    const [left] = await db.sql`SELECT count(*)::int AS n FROM signal_order_relationships WHERE order_id = ${order!.id}`;
    expect(left!.n).toBe(0);
  });
});

describe("legacy monitoring role", () => {
  // Roles are cluster-wide: a name of this run's own, which also needs quoting, and a password with quotes.
  const role = `legacy-monitor-${Math.random().toString(36).slice(2, 8)}`;
  const password = `it's "secret"; --${Math.random().toString(36).slice(2, 8)}`;

  const loginAs = (user: string, secret: string) => {
    const { postgres: pg } = settings();
    return postgres({ host: pg.host, port: pg.port, database: db.name, user, password: secret, max: 1, onnotice: () => {} });
  };

  afterAll(async () => {
    // Its grants live in the test database: drop them there, then the role.
    await db.sql`DROP OWNED BY ${db.sql(role)}`.catch(() => {});
    await db.sql`DROP ROLE IF EXISTS ${db.sql(role)}`;
  });

  test("it logs in and reads every table, account balances included, without limits", async () => {
    await createLegacyMonitorRole(db.sql, { role, password });
    const [attributes] = await db.sql`
      SELECT rolcanlogin, rolconnlimit, rolconfig,
        (SELECT count(*)::int FROM pg_db_role_setting s WHERE s.setrole = r.oid) AS settings
      FROM pg_roles r WHERE rolname = ${role}`;
    expect(attributes).toEqual({ rolcanlogin: true, rolconnlimit: -1, rolconfig: null, settings: 0 });

    const monitor = loginAs(role, password);
    try {
      const [{ statement_timeout }] = (await monitor`SHOW statement_timeout`) as unknown as [{ statement_timeout: string }];
      expect(statement_timeout).toBe("0");
      const tables = await db.sql<{ tablename: string }[]>`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`;
      expect(tables.map((t) => t.tablename)).toContain("account_balances");
      for (const { tablename } of tables) await monitor`SELECT count(*) FROM ${monitor(tablename)}`;
    } finally {
      await monitor.end();
    }
  });

  test("an existing role is left as it is (password included) and granted again", async () => {
    await db.sql`CREATE TABLE IF NOT EXISTS instrument_info (symbol VARCHAR(20) PRIMARY KEY)`;
    await createLegacyMonitorRole(db.sql, { role, password: "a different password" });
    const monitor = loginAs(role, password);
    try {
      await monitor`SELECT count(*) FROM instrument_info`;
    } finally {
      await monitor.end();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// A demo database made by the schema before issue 13 (fixture: that file as it was), with rows as the
// earlier seed and activity left them, brought up to date by applyDemoSchema.

describe("upgrade of a demo database made by the earlier schema", () => {
  let old: Awaited<ReturnType<typeof freshDatabase>>;
  /** The schema applied to an empty database, untouched by other tests. */
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let notes: string[];
  const reader = `old-reader-${Math.random().toString(36).slice(2, 8)}`;
  const EARLIER_SCHEMA = readFileSync(join(import.meta.dir, "fixtures/demo-schema-before-issue-13.sql"), "utf8");

  /** Columns in order, keys and CHECKs and indexes with their names: what two databases must share. */
  async function catalog(sql: typeof db.sql): Promise<string[]> {
    const rows = await sql<{ line: string }[]>`
      SELECT line FROM (
        SELECT table_name || ' column ' || lpad(row_number() OVER (PARTITION BY table_name ORDER BY ordinal_position)::text, 3, '0') || ' '
          || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '')
          || coalesce('(' || numeric_precision || ',' || numeric_scale || ')', '') || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS line
        FROM information_schema.columns WHERE table_schema = 'public'
        UNION ALL
        SELECT conrelid::regclass::text || ' constraint ' || conname || ' ' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        UNION ALL
        SELECT tablename || ' index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
      ) x ORDER BY line`;
    return rows.map((row) => row.line);
  }

  beforeAll(async () => {
    fresh = await freshDatabase("demo_schema_fresh");
    await applyDemoSchema(fresh.sql, "2025-12");
    old = await freshDatabase("demo_schema_upgrade");
    await old.sql.begin(async (tx) => {
      await tx`SET LOCAL client_min_messages = warning`;
      await tx.unsafe(EARLIER_SCHEMA);
    });
    // Rows as the earlier demo left them: the activity linked created orders with 'primary' (and the
    // guessed allocation_percentage), not rejected ones; the bulk seed linked none.
    const orders = await old.sql<{ id: string; signal_id: string; status: string }[]>`
      INSERT INTO orders (order_id, signal_id, asset, side, order_type, quantity, status, rejection_reason, created_at)
      VALUES ('ex-1', gen_random_uuid(), 'BTCUSDT', 'Buy', 'Market', 0.01, 'pending', NULL, '2025-01-01 10:00:00'),
        ('REJECTED-x', gen_random_uuid(), 'ETHUSDT', 'SELL', 'Market', 0.5, 'rejected', 'insufficient balance', '2025-01-01 10:01:00'),
        ('ex-seeded', gen_random_uuid(), 'SOLUSDT', 'Buy', 'Market', 2, 'filled', NULL, '2025-01-01 10:02:00')
      RETURNING id, signal_id, status`;
    const created = orders.find((o) => o.status === "pending")!;
    await old.sql`
      INSERT INTO signal_order_relationships (signal_id, order_id, relationship_type, allocation_percentage)
      VALUES (${created.signal_id}, ${created.id}, 'primary', 100)`;
    // Two active models for one strategy: the upgrade's UNIQUE index would not build over them.
    await old.sql`
      INSERT INTO model_versions (version, file_path, model_type, strategy_id, trained_at, is_active)
      VALUES ('v1', '/models/momentum/v1.pkl', 'xgboost', 'momentum', '2025-01-01', true),
        ('v2', '/models/momentum/v2.pkl', 'xgboost', 'momentum', '2025-01-08', true),
        ('v3', '/models/mean_reversion/v3.pkl', 'random_forest', 'mean_reversion', '2025-01-02', true)`;
    // Grants on the recreated table must survive: a role whose name needs quoting, and PUBLIC.
    await old.sql`CREATE ROLE ${old.sql(reader)} NOLOGIN`;
    await old.sql`GRANT SELECT ON signal_order_relationships TO ${old.sql(reader)}`;
    await old.sql`GRANT SELECT ON signal_order_relationships TO PUBLIC`;
  });

  afterAll(async () => {
    if (old) {
      await old.sql`DROP OWNED BY ${old.sql(reader)}`.catch(() => {});
      await old.drop();
    }
    await fresh?.drop();
    const admin = await adminSql("postgres");
    await admin`DROP ROLE IF EXISTS ${admin(reader)}`;
    await admin.end();
  });

  test("the earlier schema falls short of the facts where issue 13 says", async () => {
    const before = await schemaMismatches(old.sql);
    expect(before).toContain("signal_order_relationships columns: unexpected allocation_percentage numeric(5,2)");
    expect(before).toContain("signal_order_relationships columns: missing execution_sequence integer");
    expect(before).toContain("signal_order_relationships constraints: missing UNIQUE signal_id, order_id");
    expect(before).toContain("model_versions indexes: missing UNIQUE (strategy_id, is_active) WHERE is_active");
    expect(before).toContain("position_snapshots indexes: missing (snapshot_timestamp)");
  });

  test("applyDemoSchema brings it to exactly the facts, and says what it changed", async () => {
    notes = await applyDemoSchema(old.sql, "2025-12");
    expect(await schemaMismatches(old.sql)).toEqual([]);
    expect(notes[0]).toStartWith("model_versions: 1 older active model(s) deactivated");
    expect(notes[1]).toMatch(/^signal_order_relationships: recreated .* 3 row\(s\) refilled, one per order$/);
    expect(notes[2]).toBe(
      "19 index(es) of the real schema added on model_quality_metrics, model_versions, position_snapshots, positions, subscriptions",
    );
    // Issue 20: what still differed from the real December migrations.
    expect(notes.slice(3)).toContain(
      "positions: mode VARCHAR(20), size without default, unrealized_pnl without default, unrealized_pnl nullable, realized_pnl without default, " +
        "realized_pnl nullable, created_at without default, chk_mode, chk_avg_entry_price, chk_long_avg_price, chk_short_avg_price, uq_position_asset_mode (as the real migrations have it)",
    );
    expect(notes.slice(3)).toContain("execution_events: fk_execution_events_training_model_version (as the real migrations have it)");
  });

  test("the upgraded catalog is the fresh one: column order, constraint and index names included", async () => {
    expect(await catalog(old.sql)).toEqual(await catalog(fresh.sql));
  });

  test("every order has its one_to_one relationship, rejected and bulk-loaded ones included", async () => {
    const rows = await old.sql`
      SELECT o.order_id, r.relationship_type, r.execution_sequence, r.allocation_amount, r.allocation_quantity,
        r.signal_id = o.signal_id AS same_signal, r.created_at = o.created_at AS same_time
      FROM orders o LEFT JOIN signal_order_relationships r ON r.order_id = o.id ORDER BY o.order_id`;
    const link = { relationship_type: "one_to_one", execution_sequence: 1, allocation_amount: null, allocation_quantity: null, same_signal: true, same_time: true };
    expect([...rows]).toEqual([
      { order_id: "REJECTED-x", ...link },
      { order_id: "ex-1", ...link },
      { order_id: "ex-seeded", ...link },
    ]);
  });

  test("only the newest active model of a strategy stays active", async () => {
    const rows = await old.sql`SELECT version, is_active FROM model_versions ORDER BY version`;
    expect([...rows]).toEqual([
      { version: "v1", is_active: false },
      { version: "v2", is_active: true },
      { version: "v3", is_active: true },
    ]);
  });

  test("grants on the recreated table are kept", async () => {
    const grants = await old.sql`
      SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee, a.privilege_type
      FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
      WHERE c.oid = 'signal_order_relationships'::regclass AND a.grantee <> c.relowner ORDER BY 1`;
    expect([...grants]).toEqual([
      { grantee: "PUBLIC", privilege_type: "SELECT" },
      { grantee: reader, privilege_type: "SELECT" },
    ]);
  });

  test("a second run changes nothing and reports nothing", async () => {
    const before = await catalog(old.sql);
    expect(await applyDemoSchema(old.sql, "2025-12")).toEqual([]);
    expect(await catalog(old.sql)).toEqual(before);
    const [count] = await old.sql`SELECT count(*)::int AS n FROM signal_order_relationships`;
    expect(count!.n).toBe(3);
  });
});
