// `--json` promises one JSON object on stdout, and that holds when the command fails before it runs: a
// mistyped command line or a settings file that is not there gives {"ok": false, "error", "exitCode"}
// (setup: its own result, ok false), exit 2, for every command and subcommand. The commands are found
// by reading scripts/, so that a new one is covered without being listed here.
import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { ArgsDef } from "citty";
import { type AnyCommand, commandOf, resolve } from "./support/commands.ts";
import { EXIT } from "../scripts/lib/errors.ts";
import { runCli } from "./support/live.ts";
import { programTests } from "./support/timeouts.ts";

programTests();


interface Leaf {
  script: string;
  /** The subcommand's words before the options. */
  words: string[];
  envFile: boolean;
  json: boolean;
  /** Values for its required arguments, so that only the settings can be wrong. */
  required: string[];
}

/** Every leaf command, and whether it takes --env-file and --json. */
async function leaves(): Promise<Leaf[]> {
  const found: Leaf[] = [];
  const walk = async (script: string, command: AnyCommand, words: string[]) => {
    const subCommands = (await resolve(command.subCommands)) as Record<string, AnyCommand> | undefined;
    if (subCommands && Object.keys(subCommands).length) {
      for (const [name, sub] of Object.entries(subCommands)) await walk(script, await resolve(sub), [...words, name]);
      return;
    }
    const args = ((await resolve(command.args)) ?? {}) as ArgsDef;
    const required = Object.entries(args)
      .filter(([, def]) => def.required && (def as { default?: unknown }).default === undefined)
      .flatMap(([name, def]) => (def.type === "positional" ? ["1"] : [`--${name}`, "1"]));
    found.push({ script, words, envFile: "env-file" in args, json: "json" in args, required });
  };
  for (const file of readdirSync(join(import.meta.dir, "..", "scripts")).filter((name) => name.endsWith(".ts")).sort()) {
    const command = await commandOf(`scripts/${file}`);
    if (command) await walk(`scripts/${file}`, command, []);
  }
  return found;
}

/** The environment of a shell that has set nothing for the toolkit. */
const bare = { PATH: process.env.PATH!, HOME: process.env.HOME! };

const commandsWithJson = (commands: Leaf[], script: string, words: string[]) =>
  commands.some((c) => c.script === script && c.words.join(" ") === words.join(" ") && c.json);

function lastJson(stdout: string): Record<string, unknown> {
  const last = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout does not end with a JSON object: ${JSON.stringify(stdout)}`);
  }
}

test("every command: a mistyped option with --json prints a JSON error object naming the closest option, exit 2", async () => {
  // Those without --json (demo run, a service; stack env, shell lines) still answer a JSON error when asked.
  const commands = await leaves();
  expect(commands.length).toBeGreaterThan(15);
  const runs = await Promise.all(
    commands.map(async ({ script, words }) => ({ script, words, run: await runCli([script, ...words, "--jsno", "--json"], bare) })),
  );
  for (const { script, words, run } of runs) {
    const where = `${script} ${words.join(" ")}`;
    expect({ where, code: run.code }).toEqual({ where, code: EXIT.badInput });
    const json = lastJson(run.stdout);
    expect({ where, ok: json.ok, exitCode: json.exitCode }).toEqual({ where, ok: false, exitCode: EXIT.badInput });
    expect(String(json.error)).toContain(commandsWithJson(commands, script, words) ? "unknown option --jsno (did you mean --json?)" : "unknown option --jsno");
  }
}, 120_000);

test("every command that reads settings: an --env-file that is not there gives a JSON error object, exit 2", async () => {
  const commands = (await leaves()).filter((c) => c.envFile && c.json);
  expect(commands.map((c) => `${c.script} ${c.words.join(" ")}`.trim())).toEqual(expect.arrayContaining(["scripts/check.ts", "scripts/config.ts", "scripts/push.ts", "scripts/role.ts", "scripts/setup.ts", "scripts/smoke.ts"]));
  const runs = await Promise.all(
    commands.map(async ({ script, words, required }) => ({
      script,
      words,
      run: await runCli([script, ...words, ...required, "--env-file", "/nonexistent/trading.env", "--json"], bare),
    })),
  );
  for (const { script, words, run } of runs) {
    const where = `${script} ${words.join(" ")}`;
    expect({ where, code: run.code }).toEqual({ where, code: EXIT.badInput });
    const json = lastJson(run.stdout);
    expect({ where, ok: json.ok }).toEqual({ where, ok: false });
    expect(run.stdout).toContain("/nonexistent/trading.env");
  }
}, 120_000);

test("a mistyped switch names the option it is the start of: push --dry is --dry-run", async () => {
  const run = await runCli(["scripts/push.ts", "--dry"], bare);
  expect(run.code).toBe(EXIT.badInput);
  expect(run.stderr).toContain("unknown option --dry (did you mean --dry-run?)");
});
