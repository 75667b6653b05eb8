// The README and the runbooks name commands with their flags; every `bun run <command> ... --flag` they
// write must be a flag that command (or its subcommand) really takes, as its citty definition says, so
// that a reader never copies a command line that is refused.
import { expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ArgsDef } from "citty";
import { type AnyCommand, commandOf, resolve } from "./support/commands.ts";

const REPO = join(import.meta.dir, "..");

/** package.json's scripts that run a command of scripts/: name -> file. */
function commandScripts(): Record<string, string> {
  const scripts = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  return Object.fromEntries(
    Object.entries(scripts).flatMap(([name, line]) => {
      const file = /^bun (scripts\/\w+\.ts)$/.exec(line)?.[1];
      return file ? [[name, file]] : [];
    }),
  );
}

/** The options a command takes: `--name`, `--no-name` for switches, aliases, and help. */
async function optionsOf(command: AnyCommand): Promise<Set<string>> {
  const args = ((await resolve(command.args)) ?? {}) as ArgsDef;
  const names = new Set(["--help", "-h"]);
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    names.add(`--${name}`);
    if (def.type === "boolean") names.add(`--no-${name}`);
    for (const alias of ["alias" in def ? (def.alias ?? []) : []].flat()) names.add(alias.length === 1 ? `-${alias}` : `--${alias}`);
  }
  return names;
}

/** The command lines the docs write: `bun run NAME words...` inside code (inline or blocks). */
function documentedLines(): { file: string; line: string }[] {
  const files = ["README.md", ...readdirSync(join(REPO, "docs", "runbooks")).map((name) => join("docs", "runbooks", name))];
  return files.flatMap((file) => {
    const text = readFileSync(join(REPO, file), "utf8");
    const code = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!).concat([...text.replace(/```[\s\S]*?```/g, "").matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
    return code.flatMap((span) => [...span.matchAll(/bun run (?:--silent )?(\w[\w-]*)([^\n;&|`]*(?:\|[a-z|]+[^\n;&`]*)?)/g)].map((m) => ({ file, line: `${m[1]}${m[2]}` })));
  });
}

test("every flag the README and runbooks give a command is one that command takes", async () => {
  const scripts = commandScripts();
  const lines = documentedLines().filter(({ line }) => line.split(" ")[0]! in scripts);
  expect(lines.length).toBeGreaterThan(40);
  const wrong: string[] = [];
  for (const { file, line } of lines) {
    const [name, ...words] = line.trim().split(/\s+/);
    let command = (await commandOf(scripts[name!]!))!;
    const subCommands = (await resolve(command.subCommands)) as Record<string, AnyCommand> | undefined;
    let candidates = [command];
    if (subCommands && Object.keys(subCommands).length) {
      // `stack up|down|status` names several; `demo --pace 10` is its default subcommand
      const named = (words[0] ?? "").split("|").filter((word) => word in subCommands);
      const fallback = (await resolve(command.default)) as string | undefined;
      const chosen = named.length ? named : fallback ? [fallback] : Object.keys(subCommands);
      candidates = await Promise.all(chosen.map((sub) => resolve(subCommands[sub]!)));
      command = candidates[0]!;
    }
    const valid = new Set<string>();
    for (const candidate of candidates) for (const option of await optionsOf(candidate)) valid.add(option);
    for (const word of words) {
      const flag = /^\[?(--?[a-z][\w-]*)/.exec(word)?.[1];
      if (flag && !valid.has(flag)) wrong.push(`${file}: \`bun run ${line.trim()}\`: ${flag} is not an option of ${name}`);
    }
  }
  expect(wrong).toEqual([]);
});
