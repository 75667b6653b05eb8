// Infinity's backend evaluates the dashboards' JSONata with jsonata-go v1.8.8; `check` evaluates it with the
// JS `jsonata` package. For every Infinity query of both dashboards, on the demo's real answers in all its
// shapes and faults (plus a few bodies the real system may send), this asserts that what the panel gets in
// Infinity (the Go harness: Infinity's handling around jsonata-go) is what `check` computes: the same
// fields and values, the same "no data", the same error text, and the same JSONata value (numbers,
// strings, null against missing, an array of one against its item). Both sides read the same clock.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { INFINITY_TYPE } from "../grafana/datasources.ts";
import { dashboardDefinitions } from "../grafana/index.ts";
import { dashboardPanels, dashboardVariables, targetDatasource } from "../scripts/lib/check/dashboard-model.ts";
import { Differential, EVERY_SERVICE, expressionName, infinityExpressions } from "./support/jsonata-differential.ts";
import { useLiveStack } from "./support/live.ts";

// The demo services run against a database of their own; RabbitMQ is the stack's.
useLiveStack();

const EXPRESSIONS = infinityExpressions();
// Whole seconds, so that a duration rounded to seconds does not sit on a rounding edge by chance.
const NOW = Math.floor(Date.now() / 1000) * 1000;
let differential: Differential;

beforeAll(async () => {
  differential = await Differential.start(EXPRESSIONS, NOW);
  const { built, ms } = differential.harness;
  console.error(`[jsonata-go] harness ${built ? "built" : "reused from the cache"} in ${(ms / 1000).toFixed(1)} s; ${differential.cases.length} cases`);
}, 600_000);

afterAll(() => differential?.stop());

test("every Infinity panel of both dashboards is compared, each query on several shapes of its source", () => {
  const infinityPanels = dashboardDefinitions(EVERY_SERVICE).flatMap((d) =>
    dashboardPanels(d)
      .filter((p) => p.targets.some((t) => targetDatasource(p, t)?.type === INFINITY_TYPE))
      .map((p) => `${d.title} / ${p.title}`),
  );
  const compared = new Set(EXPRESSIONS.flatMap((e) => e.panels.map((p) => p.replace(/ \([^)]*\)$/, ""))));
  expect(infinityPanels.length).toBeGreaterThan(0);
  expect(infinityPanels.filter((p) => !compared.has(p))).toEqual([]);
  for (const expression of EXPRESSIONS) {
    const cases = differential.cases.filter((c) => c.expression === expression);
    // the healthy demo, at least one fault and the synthetic bodies all reached this query
    expect(new Set(cases.flatMap((c) => c.shapes)).size).toBeGreaterThanOrEqual(3);
    expect(cases.every((c) => differential.evaluatedByGo(c))).toBe(true);
  }
});

test("no JSONata variable in a root selector is also a dashboard variable (the browser would replace it)", () => {
  for (const definition of dashboardDefinitions(EVERY_SERVICE)) {
    const variables = new Set(dashboardVariables(definition).map((v) => v.name));
    const selectors = dashboardPanels(definition).flatMap((p) => p.targets.map((t) => String((t as { root_selector?: unknown }).root_selector ?? "")));
    const clashes = selectors.flatMap((s) => [...s.matchAll(/\$(\w+)/g)].map((m) => m[1]!)).filter((name) => variables.has(name));
    expect(clashes).toEqual([]);
  }
});

for (const expression of EXPRESSIONS) {
  test(`jsonata-go and check agree: ${expressionName(expression)}`, async () => {
    expect(await differential.differences(expression)).toEqual([]);
  });
}
