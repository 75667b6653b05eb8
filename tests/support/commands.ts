// The toolkit's commands as citty defines them, for tests that walk their options and subcommands.
import { join } from "node:path";
import type { ArgsDef, CommandDef } from "citty";

export { resolve } from "../../scripts/lib/cli.ts";

export type AnyCommand = CommandDef<ArgsDef>;

const REPO = join(import.meta.dir, "..", "..");

/** The command a file of scripts/ (`scripts/NAME.ts`) defines: its export named ...Command, if any. */
export async function commandOf(file: string): Promise<AnyCommand | undefined> {
  const module = (await import(join(REPO, file))) as Record<string, unknown>;
  return Object.entries(module).find(([name]) => name.endsWith("Command"))?.[1] as AnyCommand | undefined;
}
