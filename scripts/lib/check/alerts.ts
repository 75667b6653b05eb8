// The alerts firing now, as Prometheus evaluates the rules (GET /api/v1/alerts at PROMETHEUS_URL): what
// `check` reports after the panels, so that a cron job or CI can act on its exit code.
import type { Config } from "../config.ts";

export interface FiringAlert {
  name: string;
  severity: string;
  labels: Record<string, string>;
  summary: string;
  runbookUrl: string;
  activeAt: string;
}

export type AlertsOutcome = { ok: true; firing: FiringAlert[] } | { ok: false; error: string };

interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt: string;
}

/** The firing alerts (pending ones are not yet alerts), most severe first, then by name; a failure to
 *  ask is an outcome with its reason, never thrown. */
export async function firingAlerts(config: Config, timeoutMs = 10_000): Promise<AlertsOutcome> {
  const url = `${config.prometheus.url}/api/v1/alerts`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => null)) as { status?: string; error?: string; data?: { alerts?: ApiAlert[] } } | null;
    if (!response.ok || body?.status !== "success") return { ok: false, error: `Prometheus at ${url} answered HTTP ${response.status}${body?.error ? `: ${body.error}` : ""}` };
    const firing = (body.data?.alerts ?? [])
      .filter((a) => a.state === "firing")
      .map((a) => ({
        name: a.labels.alertname ?? "",
        severity: a.labels.severity ?? "",
        labels: a.labels,
        summary: a.annotations.summary ?? "",
        runbookUrl: a.annotations.runbook_url ?? "",
        activeAt: a.activeAt,
      }));
    const rank = (severity: string) => (severity === "critical" ? 0 : severity === "warning" ? 1 : 2);
    firing.sort((a, b) => rank(a.severity) - rank(b.severity) || a.name.localeCompare(b.name) || a.summary.localeCompare(b.summary));
    return { ok: true, firing };
  } catch (error) {
    return { ok: false, error: `Prometheus at ${url} did not answer: ${(error as Error).message}` };
  }
}

/** One line an alert: severity, name, summary and runbook. */
export function alertLine(alert: FiringAlert): string {
  return `ALERT   ${alert.severity.padEnd(8)} ${alert.name}: ${alert.summary}${alert.runbookUrl ? ` (runbook: ${alert.runbookUrl})` : ""}`;
}
