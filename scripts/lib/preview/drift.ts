// `push --dry-run --preview`: each dashboard the push would change, drawn twice side by side: as Grafana has
// it now (its JSON read through the API) and as the code would push it, with the same live data (a query
// both versions hold is run once and its answer drawn on both sides).
import type { Config } from "../config.ts";
import type { DashboardDefinition, DatasourceDefinition } from "../../../grafana/types.ts";
import type { GrafanaClient } from "../grafana/client.ts";
import { isGrafanaError } from "../grafana/errors.ts";
import { type PushItem, desiredDashboard } from "../grafana/push.ts";
import type { PreviewDashboard } from "./payload.ts";
import { type Answers, type DashboardDataOptions, dashboardData } from "./queries.ts";
import { renderPages } from "./render.ts";
import { GRID_WIDTH, previewTools, withTools } from "./run.ts";

export interface DriftOptions extends Pick<DashboardDataOptions, "from" | "to" | "variables"> {
  dashboards: DashboardDefinition[];
  datasources: DatasourceDefinition[];
  outDir: string;
  log?: (line: string) => void;
  installPackages?: boolean;
}

export interface DriftPicture {
  uid: string;
  title: string;
  /** What the push would do with it. */
  action: PushItem["action"];
  /** How Grafana's side was drawn. */
  grafana: "drawn" | "absent" | "stored as schema v2 (not drawn)";
  png: string;
  html: string;
}

/** Pictures of the dashboards the planned push would change (create, update, refuse or skip). */
export async function previewDrift(config: Config, client: GrafanaClient, items: PushItem[], options: DriftOptions): Promise<DriftPicture[]> {
  const changing = items.filter((item) => item.kind === "dashboard" && item.action !== "unchanged");
  if (!changing.length) return [];
  const chromium = await previewTools(options.log ?? (() => {}), options.installPackages);
  return withTools(chromium, async (browser, bundle) => {
    const pictures: Array<Omit<DriftPicture, "png" | "html"> & { sides: PreviewDashboard[] }> = [];
    for (const item of changing) {
      const definition = options.dashboards.find((d) => d.uid === item.uid);
      if (!definition) continue;
      const answers: Answers = new Map();
      const data = (json: Record<string, unknown>, caption: string) =>
        dashboardData(config, { ...definition, title: String(json.title ?? definition.title), json }, { ...options, caption, answers });
      const sides: PreviewDashboard[] = [];
      let grafana: DriftPicture["grafana"] = "absent";
      try {
        const current = await client.getDashboard(item.uid);
        if (current) {
          grafana = "drawn";
          sides.push(await data(current.dashboard, `in Grafana now (version ${current.meta.version})`));
        }
      } catch (error) {
        if (!isGrafanaError(error, "storedAsV2")) throw error;
        grafana = "stored as schema v2 (not drawn)";
      }
      const caption = grafana === "drawn" ? "as the code would push it" : `as the code would push it (Grafana: ${grafana})`;
      sides.push(await data(desiredDashboard(definition), caption));
      pictures.push({ uid: item.uid, title: definition.title, action: item.action, grafana, sides });
    }
    const jobs = pictures.map((p) => ({ name: `${p.uid}.push-preview`, payload: { width: GRID_WIDTH, dashboards: p.sides } }));
    const pages = await renderPages(await browser, await bundle, jobs, options.outDir);
    return pictures.map(({ sides: _sides, ...picture }, index) => ({ ...picture, png: pages[index]!.png, html: pages[index]!.html }));
  });
}
