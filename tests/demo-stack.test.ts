// The demo as an operator runs it: started by the stack on the trading system's real ports, reached
// through the settings `bun run stack env` prints, faults switched with `bun run demo fault`.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { CORE_SERVICES as SERVICE_NAMES, type ServiceName } from "../scripts/lib/services.ts";
import { adminSql, eventually, rabbitApi, runCli, settings, useLiveStack } from "./support/live.ts";

useLiveStack();

const health = async (service: ServiceName, path = "/health") => {
  const response = await fetch(`${settings().services[service].url}${path}`, { signal: AbortSignal.timeout(5000) });
  return (await response.json()) as Record<string, unknown>;
};

// Each test starts from a demo without faults, whatever an earlier one left behind.
beforeEach(async () => {
  await runCli(["scripts/demo.ts", "clear"]);
});
afterAll(async () => {
  await runCli(["scripts/demo.ts", "clear"]);
});

describe("the stack's demo trading system", () => {
  test("all four services answer on the ports the settings name, healthy", async () => {
    for (const service of SERVICE_NAMES) {
      const body = await health(service);
      expect(body.service).toBe(service);
      expect(body.status).toBe("healthy");
    }
    // The newest system's two, where the settings name them too.
    expect(await health("feature-service")).toMatchObject({ service: "feature-service", status: "healthy" });
    expect(await health("dashboard-api", "/ready")).toEqual({ status: "ready" });
  });

  test("it writes live activity into the stack's database", async () => {
    const sql = await adminSql();
    try {
      const count = async () => ((await sql`SELECT count(*)::int AS n FROM trading_signals`)[0]!.n as number);
      const before = await count();
      // About a signal a second: a new one within ten.
      await eventually("a new trading signal", async () => ((await count()) > before ? true : undefined), 10_000);
    } finally {
      await sql.end();
    }
  });

  test("its queues exist on the broker with consumers where the real system has them", async () => {
    // Consumer counts refresh with the management API's statistics (every 5 s).
    const byName = await eventually("a consumer on model-service.trading_signals", async () => {
      const queues = (await (await rabbitApi("/api/queues/%2F")).json()) as { name: string; consumers: number }[];
      const counts = Object.fromEntries(queues.map((q) => [q.name, q.consumers]));
      return (counts["model-service.trading_signals"] ?? 0) > 0 ? counts : undefined;
    });
    expect(byName["order-manager.order_events"]).toBeGreaterThan(0);
    expect(byName["position-manager.portfolio_updated"]).toBe(0);
    expect(byName["ws-gateway.balance"]).toBe(0);
  });

  test("`demo fault` takes a service down and makes another unhealthy; `demo clear` restores both", async () => {
    const down = await runCli(["scripts/demo.ts", "fault", "down", "--service", "order-manager"]);
    expect([down.code, down.stdout]).toEqual([0, "order-manager: down on\n"]);
    const unhealthy = await runCli(["scripts/demo.ts", "fault", "unhealthy", "--service", "model-service"]);
    expect([unhealthy.code, unhealthy.stdout]).toEqual([0, "model-service: unhealthy on\n"]);
    const again = await runCli(["scripts/demo.ts", "fault", "unhealthy", "--service", "model-service"]);
    expect([again.code, again.stdout]).toEqual([0, "no change: unhealthy on model-service was already on\n"]);
    await expect(fetch(`${settings().services["order-manager"].url}/health`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect((await health("model-service")).status).toBe("unhealthy");

    const cleared = await runCli(["scripts/demo.ts", "clear"]);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout.trim().split("\n").sort()).toEqual(["model-service: unhealthy off", "order-manager: down off"]);
    expect((await health("order-manager")).status).toBe("healthy");
    expect((await health("model-service")).status).toBe("healthy");
  });

  test("`demo fault backlog:<queue>` backs the queue up past 1000 messages; --off drains it", async () => {
    const queue = "ws-gateway.ticker";
    const messages = async () => ((await (await rabbitApi(`/api/queues/%2F/${queue}`)).json()) as { messages?: number }).messages ?? 0;
    expect((await runCli(["scripts/demo.ts", "fault", `backlog:${queue}`])).code).toBe(0);
    await eventually("the backlog over 1000", async () => ((await messages()) > 1000 ? true : undefined));
    expect((await runCli(["scripts/demo.ts", "fault", `backlog:${queue}`, "--off"])).code).toBe(0);
    await eventually("the backlog drained", async () => ((await messages()) < 100 ? true : undefined), 30_000);
  }, 60_000);

  test("a bad fault request is bad input: exit 2, nothing changed", async () => {
    const bad = await runCli(["scripts/demo.ts", "fault", "down", "--service", "billing"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--service must be one of");
    const unknown = await runCli(["scripts/demo.ts", "fault", "meltdown"]);
    expect(unknown.code).toBe(2);
    for (const service of SERVICE_NAMES) expect((await health(service)).status).toBe("healthy");
  });
});
