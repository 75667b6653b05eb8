// What every command shares: common arguments, step lines for people, and exit codes from errors.
import { EXIT, exitCodeFor } from "./errors.ts";

export const envFileArg = {
  "env-file": {
    type: "string",
    valueHint: "path",
    description: "Settings file to read (default ./.env; the trading system's own .env works as it is)",
  },
} as const;

export const jsonArg = {
  json: { type: "boolean", description: "Print the result as JSON (for CI and cron)" },
} as const;

/** One line per step: name, verdict, reason. */
export function stepLine(name: string, verdict: string, detail = ""): string {
  return `${name.padEnd(24)} ${verdict.padEnd(12)} ${detail}`.trimEnd();
}

/** Runs a command's work and exits with the documented code: an error's class decides it. */
export async function exitWith(work: () => Promise<number | void>): Promise<never> {
  try {
    process.exit((await work()) ?? EXIT.ok);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(exitCodeFor(error));
  }
}
