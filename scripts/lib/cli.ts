// What every command shares: common arguments, step lines for people, and runCommand, the one entry
// point and the one exit path: it checks the command line against the command's own `args` before
// anything runs, and turns every outcome (a returned code, a thrown error) into the documented exit code.
import { type ArgDef, type ArgsDef, type CommandDef, runCommand as runCitty, renderUsage } from "citty";
import { badInput, didYouMean, EXIT, EXIT_CODES_HELP, describeFailure, exitCodeFor, failureJson } from "./errors.ts";

export const envFileArg = {
  "env-file": {
    type: "string",
    valueHint: "path",
    description: "Settings file to read (default ./.env; the trading system's own .env, once its placeholders are filled in: `config --for setup` says what it lacks)",
  },
} as const;

export const jsonArg = {
  json: { type: "boolean", description: "Print the result as JSON (for CI and cron)" },
} as const;

/** "1 row", "2 rows": a count with its noun in the right number. */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

/** One line per step: name, verdict, reason. */
export function stepLine(name: string, verdict: string, detail = "", widths: { name: number; verdict: number } = STEP_WIDTHS): string {
  return `${name.padEnd(widths.name)} ${verdict.padEnd(widths.verdict)} ${detail}`.trimEnd();
}

const STEP_WIDTHS = { name: 24, verdict: 12 };

/** Step lines whose columns line up whatever the longest name: [name, verdict, detail] each. */
export function stepLines(rows: [name: string, verdict: string, detail?: string][]): string[] {
  const widths = { name: Math.max(STEP_WIDTHS.name, ...rows.map(([name]) => name.length)), verdict: STEP_WIDTHS.verdict };
  return rows.map(([name, verdict, detail]) => stepLine(name, verdict, detail, widths));
}

// Any command: each one's argument shapes are its own.
type AnyCommand = CommandDef<any>;

/**
 * Runs a command as the process's entry point, in place of citty's runMain:
 * `if (import.meta.main) runCommand(fooCommand);`
 * The command line is checked first (unknown options, values given to switches, unknown or missing
 * subcommands, missing required arguments: exit 2, nothing run); `-h`/`--help` prints the usage. Then
 * `run` may return an exit code (nothing means 0) or throw: errors.ts decides the code.
 */
export async function runCommand(command: AnyCommand, rawArgs: string[] = process.argv.slice(2)): Promise<never> {
  let code: number;
  try {
    const call = await resolveCall(command, rawArgs);
    if (call.help) {
      console.log(await usage(call.command, call.parent));
      code = EXIT.ok;
    } else {
      const { result } = await runCitty(call.command, { rawArgs: call.rawArgs });
      code = typeof result === "number" ? result : EXIT.ok;
    }
  } catch (error) {
    console.error(describeFailure(error));
    // --json promises one object on stdout, failures included: a mistyped command line too.
    if (asksForJson(rawArgs)) console.log(JSON.stringify(failureJson(error)));
    code = exitCodeFor(error);
  }
  process.exit(code);
}

/** True when the command line asks for JSON (before any `--`). */
const asksForJson = (rawArgs: string[]) => rawArgs.slice(0, rawArgs.includes("--") ? rawArgs.indexOf("--") : undefined).includes("--json");

interface ResolvedCall {
  /** The command whose `run` is called (a subcommand when one was named). */
  command: AnyCommand;
  parent?: AnyCommand;
  /** The arguments that belong to it. */
  rawArgs: string[];
  help: boolean;
}

const HELP = new Set(["-h", "--help"]);

/**
 * Checks a command line against the command tree and says which command runs with which arguments.
 * Throws bad input (exit 2) naming the closest valid option or command. Help wins over everything else:
 * it never acts.
 */
export async function resolveCall(root: AnyCommand, rawArgs: string[]): Promise<ResolvedCall> {
  const untilDashes = rawArgs.indexOf("--") === -1 ? rawArgs : rawArgs.slice(0, rawArgs.indexOf("--"));
  const help = untilDashes.some((token) => HELP.has(token));
  let command = root;
  let parent: AnyCommand | undefined;
  let args = rawArgs;
  let path = await commandName(root);
  for (;;) {
    const subCommands = (await resolve(command.subCommands)) as Record<string, AnyCommand> | undefined;
    if (!subCommands || !Object.keys(subCommands).length) break;
    const names = Object.keys(subCommands);
    const first = args[0];
    const fallback = (await resolve(command.default)) as string | undefined;
    if (first === undefined || (first.startsWith("-") && !HELP.has(first))) {
      // `demo --pace 10` is `demo run --pace 10` when run is the default.
      if (fallback && subCommands[fallback]) {
        parent = command;
        command = await resolve(subCommands[fallback]);
        path = `${path} ${fallback}`;
        continue;
      }
      if (help) break;
      throw badInput(`${path}: which command? One of: ${names.join(", ")}.${helpHint(path)}`);
    }
    if (HELP.has(first)) break;
    if (!subCommands[first]) {
      if (help) break;
      throw badInput(`${path}: unknown command ${JSON.stringify(first)}${suggest(first, names, "")}. Commands: ${names.join(", ")}.${helpHint(path)}`);
    }
    parent = command;
    command = await resolve(subCommands[first]);
    path = `${path} ${first}`;
    args = args.slice(1);
  }
  if (!help) await checkArgs(path, ((await resolve(command.args)) ?? {}) as ArgsDef, args);
  return { command, parent, rawArgs: args, help };
}

/** Options that may be given more than once (each occurrence adds a value: --var a=1 --var b=2). */
const REPEATABLE = new WeakSet<object>();

/** Marks a string option as repeatable; read its values with `repeatedValues` (citty keeps only the last). */
export function repeatable<T extends { type: "string" }>(def: T): T {
  REPEATABLE.add(def);
  return def;
}

/** Every value of a repeatable option, in order: `--name v` and `--name=v` alike. */
export function repeatedValues(rawArgs: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const token = rawArgs[i]!;
    if (token === "--") break;
    if (token === `--${name}` && i + 1 < rawArgs.length) values.push(rawArgs[++i]!);
    else if (token.startsWith(`--${name}=`)) values.push(token.slice(name.length + 3));
  }
  return values;
}

/** Every token must be an option of this command, with a value exactly when the option takes one. */
async function checkArgs(path: string, defs: ArgsDef, rawArgs: string[]): Promise<void> {
  const options = new Map<string, { name: string; def: ArgDef }>();
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    options.set(name, { name, def });
    for (const alias of ["alias" in def ? (def.alias ?? []) : []].flat()) options.set(alias, { name, def });
  }
  const optionNames = [...options.keys()].map((name) => (name.length === 1 ? `-${name}` : `--${name}`));
  const positionals = Object.entries(defs).filter(([, def]) => def.type === "positional");
  const seen = new Set<string>();
  const operands: string[] = [];
  const unknown = (token: string) =>
    badInput(
      `${path}: unknown option ${token}${suggest(token, optionNames, "")}. ${optionNames.length ? `Options: ${optionNames.join(", ")}.` : "It takes no options."}${helpHint(path)}`,
    );
  for (let i = 0; i < rawArgs.length; i++) {
    const token = rawArgs[i]!;
    if (token === "--") {
      operands.push(...rawArgs.slice(i + 1));
      break;
    }
    if (!token.startsWith("-") || token === "-" || /^-\d/.test(token)) {
      operands.push(token);
      continue;
    }
    const long = token.startsWith("--");
    const [written, value] = long ? splitValue(token.slice(2)) : [token.slice(1), undefined];
    let option = options.get(written);
    let negated = false;
    if (!option && long && written.startsWith("no-") && options.get(written.slice(3))?.def.type === "boolean") {
      option = options.get(written.slice(3));
      negated = true;
    }
    if (!option || (!long && written.length !== 1)) throw unknown(token.split("=")[0]!);
    const shown = `--${negated ? "no-" : ""}${option.name}`;
    if (seen.has(option.name) && !REPEATABLE.has(option.def)) throw badInput(`${path}: ${shown} is given more than once.${helpHint(path)}`);
    seen.add(option.name);
    if (option.def.type === "boolean") {
      if (value !== undefined) {
        throw badInput(
          `${path}: ${shown} is a switch and takes no value (got ${JSON.stringify(token)}): write --${option.name} to turn it on, leave it out to leave it off.${helpHint(path)}`,
        );
      }
      continue;
    }
    // A string or enum option: its value is after "=" or the next token, never another option.
    let optionValue = value;
    if (optionValue === undefined) {
      const next = rawArgs[i + 1];
      if (next !== undefined && (!next.startsWith("-") || next === "-" || /^-\d/.test(next))) {
        optionValue = next;
        i++;
      }
    }
    if (optionValue === undefined || optionValue === "") {
      throw badInput(`${path}: ${shown} needs a value${option.def.valueHint ? ` (${option.def.valueHint})` : ""}.${helpHint(path)}`);
    }
    const choices = option.def.type === "enum" ? (option.def.options ?? []) : [];
    if (choices.length && !choices.includes(optionValue)) {
      throw badInput(`${path}: ${shown} must be one of ${choices.join(", ")}, got ${JSON.stringify(optionValue)}${suggest(optionValue, choices, "")}.${helpHint(path)}`);
    }
  }
  if (operands.length > positionals.length) {
    const extra = operands[positionals.length]!;
    const hint = suggest(`--${extra}`, optionNames, "");
    throw badInput(`${path}: unexpected argument ${JSON.stringify(extra)}${hint}.${helpHint(path)}`);
  }
  const missing: string[] = [];
  positionals.forEach(([name, def], index) => {
    if (operands[index] === undefined && def.required !== false && def.default === undefined) missing.push(`${name.toUpperCase()} (${def.description ?? "an argument"})`);
  });
  for (const [name, def] of Object.entries(defs)) {
    if (def.type !== "positional" && def.required && def.default === undefined && !seen.has(name)) missing.push(`--${name} (${def.description ?? "an option"})`);
  }
  if (missing.length) throw badInput(`${path}: missing ${missing.join(", ")}.${helpHint(path)}`);
}

function splitValue(text: string): [string, string | undefined] {
  const at = text.indexOf("=");
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

const helpHint = (path: string) => ` See \`${path} --help\`.`;

const suggest = (typed: string, candidates: string[], fallback: string) => didYouMean(typed, candidates) || fallback;

/** A citty definition's value, given as is, as a promise or as a function (meta, args, subCommands). */
export async function resolve<T>(value: T | Promise<T> | (() => T | Promise<T>)): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

async function commandName(command: AnyCommand): Promise<string> {
  return ((await resolve(command.meta)) as { name?: string } | undefined)?.name ?? "command";
}

/** citty's usage with the exit codes, without colour codes when not printed to a terminal. */
async function usage(command: AnyCommand, parent?: AnyCommand): Promise<string> {
  const text = `${await renderUsage(command, parent)}\n\n${EXIT_CODES_HELP}`
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n");
  return process.stdout.isTTY ? text : text.replace(/\x1b\[[0-9;]*m/g, "");
}

/** `--var strategy=a,b` (repeatable) -> { strategy: ["a", "b"] }; `--var strategy=$__all` for All. */
export function parseVariableArgs(list: string[]): Record<string, string[]> {
  const variables: Record<string, string[]> = {};
  for (const item of list) {
    const match = /^([A-Za-z_]\w*)=(.*)$/.exec(item);
    if (!match) throw badInput(`--var takes name=value (or name=v1,v2 for several values), got "${item}"`);
    variables[match[1]!] = match[2]!.split(",");
  }
  return variables;
}
