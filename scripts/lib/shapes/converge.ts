// The canonical views in the toolkit's schema, converged by the role step as the admin: built for the
// shape detected now, rebuilt only when that shape changed (each view's comment carries the fingerprint
// of its definition), the read-only role granted SELECT on each. A view a missing column keeps from being
// built is dropped rather than left showing an older shape's answer.
import type postgres from "postgres";
import { grantSelectIfMissing, quoteIdent } from "../postgres.ts";
import { type ShapeName, detectColumns, shapeName } from "./detect.ts";
import { type MissingColumn, VIEW_NAMES, planViews, viewComment } from "./views.ts";

export interface ViewsOutcome {
  shape: ShapeName;
  /** Statements run (or, in a dry run's rolled-back transaction, that would be). */
  applied: string[];
  missing: MissingColumn[];
}

/** The toolkit's views that exist in the schema, each with its comment (the fingerprint it was built with). */
export async function builtViews(sql: postgres.Sql, schema: string): Promise<Map<string, string | null>> {
  const rows = await sql<{ name: string; comment: string | null }[]>`
    SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ${schema} AND c.relkind = 'v' AND c.relname IN ${sql([...VIEW_NAMES])}`;
  return new Map(rows.map((r) => [r.name, r.comment]));
}

export async function convergeViews(sql: postgres.Sql, schema: string, reader: string): Promise<ViewsOutcome> {
  const columns = await detectColumns(sql);
  const plan = planViews(columns);
  const applied: string[] = [];
  const existing = await builtViews(sql, schema);
  const [role] = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${reader}`;
  const qualified = (name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
  for (const view of plan.views) {
    if (existing.get(view.name) !== viewComment(view)) {
      // DROP then CREATE: CREATE OR REPLACE cannot drop or retype a column of an earlier shape.
      if (existing.has(view.name)) await sql.unsafe(`DROP VIEW ${qualified(view.name)}`);
      await sql.unsafe(`CREATE VIEW ${qualified(view.name)} WITH (security_invoker = true) AS\n${view.select}`);
      await sql.unsafe(`COMMENT ON VIEW ${qualified(view.name)} IS '${viewComment(view)}'`);
      applied.push(`${existing.has(view.name) ? "REBUILD" : "CREATE"} VIEW ${schema}.${view.name} (security_invoker)`);
    }
    applied.push(...(await grantSelectIfMissing(sql, schema, view.name, reader, Boolean(role))));
  }
  for (const name of new Set(plan.missing.map((m) => m.view))) {
    if (!existing.has(name)) continue;
    await sql.unsafe(`DROP VIEW ${qualified(name)}`);
    applied.push(`DROP VIEW ${schema}.${name} (a column it needs is missing)`);
  }
  return { shape: shapeName(columns), applied, missing: plan.missing };
}
