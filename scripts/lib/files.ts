// Generated files written only where they differ, so that `provision` says what changed and a rerun
// writes nothing.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

export interface GeneratedFile {
  /** Relative to the directory the files are written into. */
  path: string;
  content: string;
}

/** What a write did: the files (as shown to the user, relative to the working directory) it wrote, or
 *  would write with `dryRun`, and those already as generated. */
export interface WriteResult {
  written: string[];
  unchanged: string[];
}

/** Writes the files of `files` that differ into `dir`; with `dryRun`, only says which would change. Adds to
 *  `into` when given. */
export function writeChangedFiles(files: GeneratedFile[], dir: string, dryRun = false, into: WriteResult = { written: [], unchanged: [] }): WriteResult {
  for (const file of files) {
    const target = join(dir, file.path);
    const shown = relative(process.cwd(), target) || target;
    if (existsSync(target) && readFileSync(target, "utf8") === file.content) {
      into.unchanged.push(shown);
      continue;
    }
    if (!dryRun) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    }
    into.written.push(shown);
  }
  return into;
}
