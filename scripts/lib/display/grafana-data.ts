// Grafana's own frontend data library (@grafana/data, the version of the Grafana we target), loaded once
// and only where a display is computed: importing it takes about half a second and it weighs ~177 MB.
//
// Two things a browser has and Bun lacks:
// - `navigator.languages`: Grafana's date formats read it (datetime/formats.ts, localTimeFormat) when a
//   time or date unit is first formatted; set before the import.
// - `window`: transformDataFrame reads `window.__grafanaSceneContext` on every transformation (a Scenes
//   dashboard interpolates transformation options itself). Set after the import to a bare object, so
//   that no code path of the library takes the browser branch (matchMedia, localStorage) while loading.
//
// The registries the Grafana app fills on start (public/app/core/components/OptionsUI/registry.tsx for
// the option editors and standard field options; public/app/features/transformers/standardTransformers.ts
// for transformations) are empty in the npm package; grafana-plugins.ts fills them the same way, without
// the React editors.
import type * as GrafanaDataModule from "@grafana/data";
import { registerGrafanaDefaults } from "./grafana-plugins.ts";

export type GrafanaData = typeof GrafanaDataModule;

let loading: Promise<GrafanaData> | undefined;
let importMs: number | undefined;

/** The library with Bun's shims and Grafana's registries in place; the first call imports it. */
export function loadGrafanaData(): Promise<GrafanaData> {
  loading ??= importOnce();
  return loading;
}

/** How long the import took, once loaded (for reports and the performance notes). */
export function grafanaDataImportMs(): number | undefined {
  return importMs;
}

async function importOnce(): Promise<GrafanaData> {
  const started = performance.now();
  const global = globalThis as { navigator?: { languages?: readonly string[] }; window?: unknown };
  global.navigator ??= {};
  if (!global.navigator.languages?.length) {
    // Bun's navigator has no languages; the dashboards' formats are the en-US defaults
    Object.defineProperty(global.navigator, "languages", { value: ["en-US"], configurable: true });
  }
  const [data, schema] = await Promise.all([import("@grafana/data"), import("@grafana/schema")]);
  global.window ??= {};
  registerGrafanaDefaults(data, schema);
  importMs = Math.round(performance.now() - started);
  return data;
}
