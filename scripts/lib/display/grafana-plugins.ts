// What the Grafana app registers on start and the npm package of @grafana/data leaves empty, declared the
// way Grafana 13.2 declares it (read from its source, editors left out: nothing here is drawn):
// - the standard field options every panel has (public/app/core/components/OptionsUI/registry.tsx,
//   getAllStandardFieldConfigs): unit, min, max, fieldMinMax, decimals, displayName, color, noValue,
//   links, actions, mappings, thresholds (default: green, red from 80), filterable;
// - the table panel's own field options (public/app/plugins/panel/table/addTableCustomConfig.ts), whose
//   `cellOptions` decides whether a cell is coloured, with the defaults of @grafana/schema
//   (defaultTableFieldOptions: align auto, cell type auto);
// - the state timeline: colour by thresholds by default (public/app/plugins/panel/state-timeline/module.tsx);
// - the stat panel: the standard options only (public/app/plugins/panel/stat/module.tsx, useFieldConfig());
// - the transformations @grafana/data ships (public/app/features/transformers/standardTransformers.ts
//   wraps the same objects with their editors; the app-only ones, such as extractFields or
//   rowsToFields, are not in the package and are refused by name).
import type * as GrafanaDataModule from "@grafana/data";
import type { FieldConfigEditorBuilder, FieldConfigPropertyItem, PanelPlugin } from "@grafana/data";
import type * as GrafanaSchemaModule from "@grafana/schema";

type GrafanaData = typeof GrafanaDataModule;
type GrafanaSchema = typeof GrafanaSchemaModule;

// Option editors are React components in Grafana; the builders look them up by id, so each id gets a
// stand-in that draws nothing.
const EDITOR_IDS = [
  "text", "number", "slider", "boolean", "radio", "select", "unit", "links", "actions", "stats-picker", "strings",
  "timezone", "fieldColor", "color", "multi-select", "field-name", "dashboard-uid", "mappings", "thresholds",
];
const noEditor = () => null;

let tableFieldDefaults: GrafanaSchema["defaultTableFieldOptions"] | undefined;

/** Fills Grafana's registries once (the loader calls it right after the import). */
export function registerGrafanaDefaults(data: GrafanaData, schema: GrafanaSchema): void {
  tableFieldDefaults = schema.defaultTableFieldOptions;
  data.standardEditorsRegistry.setInit(() => EDITOR_IDS.map((id) => ({ id, name: id, editor: noEditor as never })));
  data.standardFieldConfigEditorRegistry.setInit(() => standardFieldConfigs(data));
  data.standardTransformersRegistry.setInit(() => {
    // seriesToColumns is the deprecated alias of joinByField: one entry per id
    const byId = new Map(Object.values(data.standardTransformers).map((info) => [info.id, info]));
    return [...byId.values()].map((info) => ({
      id: info.id,
      name: info.name,
      description: info.description,
      editor: noEditor as never,
      imageDark: "",
      imageLight: "",
      transformation: () => Promise.resolve(info as GrafanaDataModule.DataTransformerInfo),
    }));
  });
}

function standardFieldConfigs(data: GrafanaData): FieldConfigPropertyItem[] {
  const { FieldType, ThresholdsMode } = data;
  const item = (
    id: string,
    process: FieldConfigPropertyItem["process"],
    extra: Partial<FieldConfigPropertyItem> = {},
  ): FieldConfigPropertyItem => ({
    id,
    path: id,
    name: id,
    editor: noEditor as never,
    override: noEditor as never,
    process,
    settings: {},
    shouldApply: () => true,
    category: ["Standard options"],
    ...extra,
  });
  const numbersOnly = { shouldApply: (field: { type: string }) => field.type === FieldType.number };
  return [
    item("unit", data.stringOverrideProcessor),
    item("min", data.numberOverrideProcessor, numbersOnly),
    item("max", data.numberOverrideProcessor, numbersOnly),
    item("fieldMinMax", data.booleanOverrideProcessor, numbersOnly),
    item("decimals", data.numberOverrideProcessor, numbersOnly),
    item("displayName", data.displayNameOverrideProcessor),
    item("color", data.identityOverrideProcessor, { settings: { byValueSupport: true, preferThresholdsMode: true } }),
    item("noValue", data.stringOverrideProcessor),
    item("links", data.dataLinksOverrideProcessor, { category: ["Data links and actions"] }),
    // Grafana processes actions with actionsOverrideProcessor, which the package does not export; the
    // dashboards have no actions, and an action never changes a displayed value
    item("actions", data.identityOverrideProcessor, { category: ["Data links and actions"], hideFromDefaults: true }),
    item("mappings", data.valueMappingsOverrideProcessor, {
      category: ["Value mappings"],
      defaultValue: [],
      shouldApply: (field) => field.type !== FieldType.time,
    }),
    item("thresholds", data.thresholdsOverrideProcessor, {
      category: ["Thresholds"],
      defaultValue: { mode: ThresholdsMode.Absolute, steps: [{ value: -Infinity, color: "green" }, { value: 80, color: "red" }] },
    }),
    item("filterable", data.booleanOverrideProcessor, { hideFromDefaults: true }),
  ];
}

function addTableFieldConfig(data: GrafanaData, builder: FieldConfigEditorBuilder<Record<string, unknown>>): void {
  const defaultTableFieldOptions = tableFieldDefaults!;
  const category = ["Table"];
  const cellCategory = ["Cell options"];
  builder
    .addNumberInput({ path: "minWidth", name: "Minimum column width", category, defaultValue: defaultTableFieldOptions.minWidth })
    .addNumberInput({ path: "width", name: "Column width", category, defaultValue: defaultTableFieldOptions.width })
    .addRadio({ path: "align", name: "Column alignment", category, defaultValue: defaultTableFieldOptions.align, settings: { options: [] } })
    .addBooleanSwitch({ path: "filterable", name: "Column filter", category, defaultValue: defaultTableFieldOptions.filterable })
    .addBooleanSwitch({ path: "wrapText", name: "Wrap text", category })
    .addBooleanSwitch({ path: "wrapHeaderText", name: "Wrap header text", category })
    .addBooleanSwitch({ path: "hideFrom.viz", name: "Hide in table", category, defaultValue: undefined, hideFromDefaults: true })
    .addCustomEditor({
      id: "footer.reducers",
      path: "footer.reducers",
      name: "Calculation",
      category: ["Table footer"],
      editor: noEditor as never,
      override: noEditor as never,
      defaultValue: [],
      process: data.identityOverrideProcessor,
      shouldApply: () => true,
    })
    .addCustomEditor({
      id: "cellOptions",
      path: "cellOptions",
      name: "Cell type",
      category: cellCategory,
      editor: noEditor as never,
      override: noEditor as never,
      defaultValue: defaultTableFieldOptions.cellOptions,
      process: data.identityOverrideProcessor,
      shouldApply: () => true,
    })
    .addBooleanSwitch({ path: "inspect", name: "Cell value inspect", category: cellCategory, defaultValue: false })
    .addFieldNamePicker({ path: "tooltip.field", name: "Tooltip from field", category: cellCategory })
    .addSelect({ path: "tooltip.placement", name: "Tooltip placement", category: cellCategory, settings: { options: [] } })
    .addFieldNamePicker({ path: "styleField", name: "Styling from field", category: cellCategory });
}

const plugins = new Map<string, PanelPlugin>();

/** The panel plugin's field option registry and defaults, as Grafana builds them when it loads the panel. */
export function panelPlugin(data: GrafanaData, type: string): PanelPlugin {
  let plugin = plugins.get(type);
  if (!plugin) {
    plugin = new data.PanelPlugin(null);
    plugin.meta = { id: type, name: type } as PanelPlugin["meta"];
    if (type === "table") plugin.useFieldConfig({ useCustomConfig: (builder) => addTableFieldConfig(data, builder as never) });
    // public/app/plugins/panel/state-timeline/module.tsx: colour by thresholds by default; its other
    // options only change the drawing, which check reports as spans (state-spans.ts)
    else if (type === "state-timeline") plugin.useFieldConfig({ standardOptions: { color: { defaultValue: { mode: data.FieldColorModeId.Thresholds } } } });
    else plugin.useFieldConfig();
    plugins.set(type, plugin);
  }
  return plugin;
}
