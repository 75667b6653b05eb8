// A dashboard's data for the preview, from `check`'s engine: runCheck runs every query as check does
// (variables first, the read-only role, Infinity's parsing, deadlines), through a runner that also
// keeps what each target answered before any transformation, since the page runs the transformations
// itself with Grafana's code. A target is known by its content and datasource (runCheck hands the
// runner the target as the dashboard JSON has it, variables not yet put in).
import type { Config } from "../config.ts";
import type { DashboardDefinition, DatasourceDefinition } from "../../../grafana/types.ts";
import { type CheckOptions, runCheck } from "../check/run.ts";
import { DirectRunner, type QueryRunner } from "../check/runner.ts";
import type { QueryContext } from "../check/sources/kind.ts";
import type { Frame } from "../check/frames.ts";
import { datasourceSecrets } from "../../../grafana/datasources.ts";
import { ALL_SELECTED } from "../../../grafana/types.ts";
import type { PreviewDashboard, PreviewPanel, PreviewPanelJson } from "./payload.ts";

type Json = Record<string, unknown>;

interface Answer {
  frames?: Frame[];
  error?: string;
}

/** What each target answered, by target, datasource and the range and variables it ran with. */
export type Answers = Map<string, Answer>;

/** The runner check uses by default, wrapped to keep each target's answer. A target already answered
 *  (in `answers`, shared with another dashboard) is answered the same again, without a query. */
class RecordingRunner implements QueryRunner {
  context?: QueryContext;
  private closed = false;

  constructor(
    private readonly inner: DirectRunner,
    readonly answers: Answers,
  ) {}

  async run(target: Json & { refId: string }, datasource: DatasourceDefinition, context: QueryContext): Promise<Frame[]> {
    this.context = context;
    const key = targetKey(target, datasource.uid, context);
    const known = this.answers.get(key);
    if (known?.frames) return known.frames;
    if (known) throw new Error(known.error);
    try {
      const frames = await this.inner.run(target, datasource, context);
      this.answers.set(key, { frames });
      return frames;
    } catch (error) {
      this.answers.set(key, { error: (error as Error).message });
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.inner.close();
  }
}

/** A frame as the page takes it (what Grafana's frontend receives: name, refId, typed columns with a
 *  series' labels and the datasource's field config, such as Prometheus' legend as displayNameFromDS). */
function inputFrame(frame: Frame, refId: string): PreviewPanel["frames"][number] {
  return {
    name: frame.name,
    refId,
    fields: frame.fields.map(({ name, type, values, labels, config }) => ({ name, type, values, ...(labels ? { labels } : {}), ...(config ? { config } : {}) })),
  };
}

function targetKey(target: Json, datasourceUid: string, context: QueryContext | undefined): string {
  const variables = (context?.variables ?? []).map((v) => [v.name, v.current]);
  return JSON.stringify([datasourceUid, target, context?.range.raw ?? null, variables]);
}

/** The panels of a dashboard JSON in grid order, rows as their own entries, a row's own panels after it. */
export function flattenPanels(json: Json): Array<{ kind: "row" | "panel"; json: Json }> {
  const out: Array<{ kind: "row" | "panel"; json: Json }> = [];
  for (const panel of (json.panels as Json[] | undefined) ?? []) {
    if (panel.type === "row") {
      out.push({ kind: "row", json: panel });
      for (const inner of (panel.panels as Json[] | undefined) ?? []) out.push({ kind: "panel", json: inner });
    } else {
      out.push({ kind: "panel", json: panel });
    }
  }
  return out;
}

export interface DashboardDataOptions extends Pick<CheckOptions, "from" | "to" | "variables" | "deadlineMs"> {
  datasources: DatasourceDefinition[];
  /** A caption above the dashboard. */
  caption?: string;
  /** Answers to share with another dashboard drawn beside this one (the same data for the same queries). */
  answers?: Answers;
}

/** Runs every query of the dashboard (as check does) and pairs each panel with what its targets answered. */
export async function dashboardData(config: Config, definition: DashboardDefinition, options: DashboardDataOptions): Promise<PreviewDashboard> {
  const runner = new RecordingRunner(
    new DirectRunner((datasource) => datasourceSecrets(datasource, config.values).secrets),
    options.answers ?? new Map(),
  );
  try {
    await runCheck(config, {
      dashboards: [definition],
      datasources: options.datasources,
      from: options.from,
      to: options.to,
      variables: options.variables,
      deadlineMs: options.deadlineMs,
      runner,
    });
  } finally {
    await runner.close();
  }
  const byUid = new Map(options.datasources.map((ds) => [ds.uid, ds]));
  const panels = flattenPanels(definition.json).map(({ kind, json }): PreviewPanel => {
    if (kind === "row") return { kind, json: json as unknown as PreviewPanelJson, frames: [] };
    const frames: PreviewPanel["frames"] = [];
    const errors: string[] = [];
    const panelDatasource = (json.datasource as { uid?: string } | undefined)?.uid;
    for (const target of (json.targets as Array<Json & { refId: string }> | undefined) ?? []) {
      const uid = (target.datasource as { uid?: string } | undefined)?.uid ?? panelDatasource;
      const datasource = uid ? byUid.get(uid) : undefined;
      const answer = datasource ? runner.answers.get(targetKey(target, datasource.uid, runner.context)) : undefined;
      if (answer?.frames) frames.push(...answer.frames.map((frame) => inputFrame(frame, target.refId)));
      else errors.push(`${target.refId}${datasource ? ` (${datasource.name})` : ""}: ${answer?.error ?? `datasource "${uid ?? "(none)"}" is not one of the toolkit's`}`);
    }
    return { kind, json: json as unknown as PreviewPanelJson, frames, ...(errors.length ? { error: errors.join("\n") } : {}) };
  });
  const context = runner.context;
  const time = (definition.json.time ?? {}) as { from?: string; to?: string };
  const now = Date.now();
  return {
    uid: definition.uid,
    title: definition.title,
    ...(options.caption ? { caption: options.caption } : {}),
    timeZone: String(definition.json.timezone || "utc"),
    range: {
      from: context?.range.from.getTime() ?? now,
      to: context?.range.to.getTime() ?? now,
      raw: context?.range.raw ?? { from: options.from ?? time.from ?? "now-6h", to: options.to ?? time.to ?? "now" },
    },
    variables: (context?.variables ?? []).map((v) => ({ name: v.name, values: v.current[0] === ALL_SELECTED ? ["All"] : v.current })),
    panels,
  };
}
