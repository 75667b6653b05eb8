// The targets of issue 12, judged on the largest size measured, once per index mode. A missed target is
// reported, not an error: benchmarks print figures.
import type { SizeFigures, TargetVerdict } from "./figures.ts";

const TARGETS = {
  panelMedianMs: 20,
  dashboardMedianMs: 150,
  naiveFactor: 10,
  /** The naive pairs that must be at least naiveFactor times slower than ours. */
  naiveMustLose: ["event-history", "orders"],
  viewersPercentOfCore: 1,
} as const;

export function judgeTargets(size: SizeFigures): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const mode of size.modes) {
    const add = (target: string, ok: boolean, detail: string) => verdicts.push({ target, indexes: mode.indexes, ok, detail });
    const slow = mode.queries.flatMap((q) =>
      [["default", q.default] as const, ["narrow", q.narrow] as const]
        .filter(([, t]) => t && t.medianMs > TARGETS.panelMedianMs)
        .map(([which, t]) => `${q.name} (${which}) ${t!.medianMs} ms`),
    );
    add(
      `every SQL query <= ${TARGETS.panelMedianMs} ms median`,
      slow.length === 0,
      slow.length ? `over: ${slow.join(", ")}` : `slowest ${Math.max(...mode.queries.flatMap((q) => [q.default.medianMs, q.narrow?.medianMs ?? 0]))} ms`,
    );
    add(`whole dashboard <= ${TARGETS.dashboardMedianMs} ms median`, mode.dashboard.all.medianMs <= TARGETS.dashboardMedianMs,
      `${mode.dashboard.all.medianMs} ms every panel (${mode.dashboard.database.medianMs} ms its SQL panels alone)`);
    for (const name of TARGETS.naiveMustLose) {
      const pair = mode.naive.find((n) => n.ours === name);
      if (!pair) continue;
      add(`${name} >= ${TARGETS.naiveFactor}x faster than naive`, pair.ratio >= TARGETS.naiveFactor,
        `${pair.lowerBound ? ">= " : ""}${pair.ratio}x (${pair.oursMedianMs} ms vs ${pair.lowerBound ? ">= " : ""}${pair.timing.medianMs} ms)`);
    }
    const cost = mode.viewers.percentOfOneCore;
    add(`${mode.viewers.viewers} viewers < ${TARGETS.viewersPercentOfCore}% of one core`, cost !== null && cost < TARGETS.viewersPercentOfCore,
      cost === null ? `not measured: ${mode.viewers.unavailable}` : `${cost}% (${mode.viewers.cpuSecondsPerMinute} CPU s a minute)`);
  }
  return verdicts;
}
