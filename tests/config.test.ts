import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolkitError } from "../scripts/lib/errors.ts";
import { envExample, loadConfig } from "../scripts/lib/config.ts";
import { runCli } from "./support/live.ts";
import { programTests } from "./support/timeouts.ts";

programTests();

const dir = mkdtempSync(join(tmpdir(), "config-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function envFile(name: string, text: string) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
/** The environment of a child process without any of the toolkit's settings. */
const bareEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(POSTGRES|GRAFANA|RABBITMQ|WS_GATEWAY|MODEL_SERVICE|ORDERMANAGER|POSITION_MANAGER)_/.test(name)));

describe("config", () => {
  test("reads the trading system's own .env names", () => {
    const path = envFile(
      "system.env",
      "POSTGRES_HOST=db.internal\nPOSTGRES_PORT=6543\nGRAFANA_POSTGRES_PASSWORD='s3cret'\nRABBITMQ_HOST=mq\nORDERMANAGER_PORT=4601\nWS_GATEWAY_API_KEY=k\n",
    );
    const config = loadConfig({ envFile: path, env: {} });
    expect(config.postgres).toMatchObject({ host: "db.internal", port: 6543 });
    expect(config.monitorRole.password).toBe("s3cret");
    expect(config.rabbitmq.managementUrl).toBe("http://mq:15672");
    expect(config.services["order-manager"].url).toBe("http://order-manager:4601");
    expect(config.services["ws-gateway"].apiKey).toBe("k");
    expect(config.envFile).toBe(path);
  });

  test("the environment wins over the file", () => {
    const path = envFile("override.env", "POSTGRES_PORT=6543\n");
    expect(loadConfig({ envFile: path, env: { POSTGRES_PORT: "7000" } }).postgres.port).toBe(7000);
  });

  test("every problem is reported at once, by variable name, secrets never echoed", () => {
    const path = envFile("bad.env", `POSTGRES_PORT=70000\nGRAFANA_URL=ftp://grafana\nGRAFANA_POSTGRES_USER=${"n".repeat(64)}\nGRAFANA_TOKEN=\n`);
    let error: unknown;
    try {
      loadConfig({ envFile: path, env: { RABBITMQ_PASSWORD: "topsecret-value" }, required: ["POSTGRES_PASSWORD"] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ kind: "badInput" });
    const problems = (error as ToolkitError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toContain("POSTGRES_PORT: expected a port number");
    expect(problems.join("\n")).toContain("GRAFANA_URL: expected an http:// or https:// URL");
    expect(problems.join("\n")).toContain("GRAFANA_POSTGRES_USER: expected a PostgreSQL name: not empty, at most 63 bytes");
    expect(problems.join("\n")).toContain("POSTGRES_PASSWORD: required here but not set");
    expect((error as Error).message).not.toContain("topsecret-value");
  });

  test("database, user and table names are any name PostgreSQL accepts quoted: case, spaces and quotes kept", () => {
    const config = loadConfig({
      envFile: "/dev/null",
      env: { POSTGRES_DB: "Trading DB", POSTGRES_USER: "Trader Admin", GRAFANA_POSTGRES_USER: 'Grafana "RO"', GRAFANA_POSTGRES_EXTRA_TABLES: "Fills, daily-PnL" },
    });
    expect(config.postgres).toMatchObject({ database: "Trading DB", adminUser: "Trader Admin" });
    expect(config.monitorRole.user).toBe('Grafana "RO"');
    expect(config.monitorRole.extraTables).toEqual(["Fills", "daily-PnL"]);
    // 63 bytes is PostgreSQL's limit (a longer name is cut short), counted in bytes, not characters.
    expect(loadConfig({ envFile: "/dev/null", env: { POSTGRES_DB: "é".repeat(31) + "x" } }).postgres.database).toHaveLength(32);
    expect(() => loadConfig({ envFile: "/dev/null", env: { POSTGRES_DB: "é".repeat(32) } })).toThrow("POSTGRES_DB: expected a PostgreSQL name");
    expect(() => loadConfig({ envFile: "/dev/null", env: { GRAFANA_POSTGRES_EXTRA_TABLES: `orders,${"t".repeat(64)}` } })).toThrow(
      "GRAFANA_POSTGRES_EXTRA_TABLES: expected comma-separated table names",
    );
  });

  test("the command exits 2 naming a bad port, a bad URL and a missing required value", async () => {
    const path = envFile("cli.env", "RABBITMQ_MANAGEMENT_PORT=0\nRABBITMQ_MANAGEMENT_URL=not a url\n");
    const result = await runCli(["scripts/config.ts", "--env-file", path, "--require", "GRAFANA_POSTGRES_PASSWORD"], bareEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("RABBITMQ_MANAGEMENT_PORT: expected a port number (1-65535), got \"0\"");
    expect(result.stderr).toContain("RABBITMQ_MANAGEMENT_URL: expected an http:// or https:// URL");
    expect(result.stderr).toContain("GRAFANA_POSTGRES_PASSWORD: required here but not set");
  });

  test("a missing POSTGRES_PASSWORD with no .env says where settings come from, the stack's `env` included", () => {
    // A directory of its own: no .env in it whatever the checkout holds.
    const empty = mkdtempSync(join(dir, "no-env-"));
    const role = Bun.spawnSync(["bun", join(import.meta.dir, "..", "scripts", "role.ts")], { cwd: empty, env: bareEnv() });
    const stderr = role.stderr.toString();
    expect(role.exitCode).toBe(2);
    expect(stderr).toContain("POSTGRES_PASSWORD: required here but not set");
    expect(stderr).toContain(`no .env file at ${join(empty, ".env")} and no --env-file`);
    expect(stderr).toContain('eval "$(bun run --silent stack env)"');
    // With a file read, the hint is not needed: the problem is in the file.
    const withFile = Bun.spawnSync(["bun", join(import.meta.dir, "..", "scripts", "role.ts"), "--env-file", envFile("empty.env", "")], { cwd: empty, env: bareEnv() });
    expect(withFile.exitCode).toBe(2);
    expect(withFile.stderr.toString()).not.toContain("no .env file");
  });

  test("a missing --env-file is bad input, and good settings exit 0", async () => {
    expect((await runCli(["scripts/config.ts", "--env-file", join(dir, "missing.env")], bareEnv())).code).toBe(2);
    const ok = await runCli(["scripts/config.ts", "--json", "--env-file", envFile("ok.env", "GRAFANA_ADMIN_PASSWORD=pw-not-shown\n")], bareEnv());
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).grafana).toMatchObject({ url: "http://localhost:4700", adminPassword: "********" });
    expect(ok.stdout).not.toContain("pw-not-shown");
  });

  test("env.example documents exactly the settings the code reads", () => {
    expect(readFileSync(join(import.meta.dir, "..", "env.example"), "utf8")).toBe(envExample());
  });
});

describe("the trading system's own settings (its env.example: placeholders, names of its own)", () => {
  const example = readFileSync(join(import.meta.dir, "fixtures", "trading-system-env.example"), "utf8");
  /** The example as an operator fills it in: every XXXX replaced by a value of its own. */
  const filled = (extra = "") => envFile(`filled-${Math.random().toString(36).slice(2, 8)}.env`, `${example.replace(/=XXXX$/gm, (_, i) => `=value-${i}`)}${extra}`);
  const configFor = (path: string, command = "setup", json = false) =>
    runCli(["scripts/config.ts", "--env-file", path, "--for", command, ...(json ? ["--json"] : [])], bareEnv());

  test("as it comes, every placeholder is refused by name, and setup's missing setting is named; exit 2", async () => {
    const run = await configFor(envFile("system-example.env", example));
    expect(run.code).toBe(2);
    for (const name of ["POSTGRES_PASSWORD", "GRAFANA_POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", "MODEL_SERVICE_API_KEY", "POSTGRES_DB", "GRAFANA_ADMIN_PASSWORD"]) {
      expect(run.stderr).toContain(`  - ${name}: a placeholder`);
    }
    expect(run.stderr).toContain('POSTGRES_DB: a placeholder ("XXXX")');
    expect(run.stderr).toContain("RABBITMQ_MONITOR_PASSWORD: required here but not set");
    // Counted as listed
    const bullets = run.stderr.split("\n").filter((line) => line.startsWith("  - ")).length;
    expect(run.stderr).toContain(`Configuration has ${bullets} problems`);
  });

  test("`config --for setup` lists exactly what setup asks for: the same file passes one and fails the other alike", async () => {
    const lacking = filled();
    const config = await configFor(lacking);
    const setup = await runCli(["scripts/setup.ts", "--env-file", lacking], bareEnv());
    expect(config.code).toBe(2);
    expect(setup.code).toBe(2);
    const missing = (text: string) => [...text.matchAll(/- (\w+): required here but not set/g)].map((m) => m[1]).sort();
    expect(missing(config.stderr)).toEqual(["RABBITMQ_MONITOR_PASSWORD"]);
    expect(missing(setup.stdout + setup.stderr)).toEqual(["RABBITMQ_MONITOR_PASSWORD"]);

    const complete = await configFor(filled("RABBITMQ_MONITOR_PASSWORD=monitor-value\n"), "setup", true);
    expect(complete.code).toBe(0);
    expect(JSON.parse(complete.stdout).needs).toEqual({
      command: "setup",
      settings: ["POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", "GRAFANA_POSTGRES_PASSWORD", "RABBITMQ_MONITOR_PASSWORD", "MODEL_SERVICE_API_KEY"],
    });
  }, 30_000);

  test("the file's own names are listed, not silently ignored; none of the system's is taken for a typo", async () => {
    const run = await configFor(filled("RABBITMQ_MONITOR_PASSWORD=monitor-value\n"));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("12 names in the file are not the toolkit's settings");
    expect(run.stdout).toContain("BYBIT_API_SECRET");
    expect(run.stdout).toContain("ORDERMANAGER_MAX_EXPOSURE");
    expect(run.stderr).not.toContain("probably misspelt");
  });

  test("a name close to a setting is reported with the name it probably meant", async () => {
    const typo = filled("RABBITMQ_MONITOR_PASSWORD=monitor-value\n");
    writeFileSync(typo, readFileSync(typo, "utf8").replace(/^POSTGRES_PASSWORD=/m, "POSTGRES_PASWORD="));
    const run = await configFor(typo);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("POSTGRES_PASWORD: not a setting of the toolkit; did you mean POSTGRES_PASSWORD?");
    expect(run.stderr).toContain("POSTGRES_PASSWORD: required here but not set (Admin password, used only by the role step); the file has POSTGRES_PASWORD");
  });

  test("placeholders in other shapes: changeme, your_..., <...>; a real value that merely contains one is fine", () => {
    for (const value of ["changeme", "CHANGE_ME", "your_password_here", "<token>", "xxxxxxxx"]) {
      expect(() => loadConfig({ envFile: "/dev/null", env: { GRAFANA_POSTGRES_PASSWORD: value } })).toThrow("GRAFANA_POSTGRES_PASSWORD: a placeholder");
    }
    for (const value of ["xXx-real-9f2", "yourself-not", "a<b>c"]) {
      expect(loadConfig({ envFile: "/dev/null", env: { GRAFANA_POSTGRES_PASSWORD: value } }).monitorRole.password).toBe(value);
    }
  });
});
