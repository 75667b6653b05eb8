// The preview page: reads the payload the command wrote into the HTML (PAYLOAD_GLOBAL), prepares every
// panel with the display module (Grafana's @grafana/data, the same calls `displayPanel` makes), draws the
// dashboards side by side with @grafana/ui in Grafana's dark theme, then marks <body> ready
// (READY_ATTRIBUTE) once the fonts are in and two frames have painted.
//
// What a bare page lacks and Grafana's app provides:
// - icons: @grafana/ui fetches its SVG icons from public/build/img/icons/, which a file:// page cannot;
//   the build puts them into react-inlinesvg's cache, as Grafana's app does with the icons it bundles
//   (the "preview-icons" module of scripts/lib/preview/bundle.ts);
// - fonts: GlobalStyles declares Inter from public/fonts/; the page declares it again from the fonts
//   installed on the machine (Debian's fonts-inter), so that the text is Grafana's typeface.
import "preview-icons";
import { type Root, createRoot } from "react-dom/client";
import { GlobalStyles, ThemeContext } from "@grafana/ui";
import { loadGrafanaData } from "../../scripts/lib/display/grafana-data.ts";
import { preparePanel } from "../../scripts/lib/display/panel.ts";
import { DRAW_GLOBAL, PAYLOAD_GLOBAL, READY_ATTRIBUTE, type PreviewDashboard, type PreviewPayload } from "../../scripts/lib/preview/payload.ts";
import type { GrafanaData } from "../../scripts/lib/display/grafana-data.ts";
import { Dashboard } from "./dashboard.tsx";
import type { Prepared } from "./panels.tsx";
import { pagePlugin } from "./plugins.ts";

const LOCAL_INTER = [400, 500, 600, 700]
  .map((weight) => {
    const name = { 400: "Regular", 500: "Medium", 600: "SemiBold", 700: "Bold" }[weight];
    return `@font-face { font-family: "Inter"; font-style: normal; font-weight: ${weight}; src: local("Inter ${name}"), local("Inter-${name}"), local("Inter"); }`;
  })
  .join("\n");

async function prepareDashboard(data: GrafanaData, dashboard: PreviewDashboard): Promise<Prepared[]> {
  return Promise.all(
    dashboard.panels.map(async (panel): Promise<Prepared> => {
      if (panel.kind === "row") return { failure: "" };
      try {
        return await preparePanel(data, panel.json, panel.frames, dashboard.timeZone, pagePlugin(data, panel.json.type));
      } catch (error) {
        return { failure: (error as Error).message };
      }
    }),
  );
}

let root: Root | undefined;
let localFonts: HTMLStyleElement | undefined;

/** Draws the payload's dashboards (replacing what the page showed) and marks <body> when done. */
async function draw(payload: PreviewPayload): Promise<void> {
  document.body.removeAttribute(READY_ATTRIBUTE);
  const data = await loadGrafanaData();
  const theme = data.createTheme();
  const prepared = await Promise.all(payload.dashboards.map((d) => prepareDashboard(data, d)));
  root ??= createRoot(document.getElementById("root")!);
  root.render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div style={{ display: "flex", gap: 32, padding: 16, alignItems: "flex-start", width: "max-content", background: theme.colors.background.canvas }}>
        {payload.dashboards.map((dashboard, index) => (
          <Dashboard key={`${dashboard.uid}-${index}-${Date.now()}`} data={data} dashboard={dashboard} prepared={prepared[index]!} theme={theme} width={payload.width} />
        ))}
      </div>
    </ThemeContext.Provider>,
  );
  // GlobalStyles inserts its rules when it renders: the local faces go after them, and win
  await new Promise((resolve) => requestAnimationFrame(resolve));
  if (!localFonts) {
    localFonts = document.createElement("style");
    localFonts.textContent = LOCAL_INTER;
    document.head.appendChild(localFonts);
  }
  await document.fonts.ready;
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const panels = payload.dashboards.reduce((sum, d) => sum + d.panels.filter((p) => p.kind === "panel").length, 0);
  document.body.setAttribute(READY_ATTRIBUTE, String(panels));
}

async function main() {
  const payload = (window as unknown as Record<string, PreviewPayload>)[PAYLOAD_GLOBAL];
  if (!payload) throw new Error(`no ${PAYLOAD_GLOBAL} on the page: open the HTML file the preview wrote, not the bundle`);
  // The command draws its next dashboards in this same page (one load of the bundle for all of them)
  (window as unknown as Record<string, unknown>)[DRAW_GLOBAL] = draw;
  await draw(payload);
}

main().catch((error: Error) => {
  document.body.setAttribute(READY_ATTRIBUTE, "failed");
  document.body.setAttribute("data-preview-failure", error.stack ?? error.message);
  throw error;
});
