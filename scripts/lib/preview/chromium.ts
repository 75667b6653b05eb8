// Debian's Chromium and its Inter font (Grafana's typeface), which the preview draws with. Run as root on
// Debian, a missing package is installed (saying so, about 480 MB with Chromium's libraries); otherwise
// the preview stops with the one command that installs them. The packages and their installing are the
// stack's (scripts/lib/debian-packages.ts).
import { existsSync } from "node:fs";
import { PREVIEW_PACKAGES, ensurePackages, thisHost } from "../debian-packages.ts";

export const CHROMIUM = PREVIEW_PACKAGES[0]!.files[0]!;

/** The files that tell each package is installed. */
export interface PackageFiles {
  chromium: string;
  inter: string;
}

export interface EnsureOptions {
  /** Install what is missing when this process may (root on Debian); default true. */
  install?: boolean;
  /** Where to look for the packages' files (tests point elsewhere). */
  files?: PackageFiles;
}

/** Chromium's path, after installing what is missing when allowed; otherwise a bad-input failure naming the command. */
export async function ensureChromium(log: (line: string) => void, options: EnsureOptions = {}): Promise<string> {
  const files = options.files;
  const host = thisHost();
  const present = files ? (pkg: { name: string }) => existsSync(pkg.name === "chromium" ? files.chromium : files.inter) : host.present;
  await ensurePackages(PREVIEW_PACKAGES, log, { allowed: options.install ?? true, host: { ...host, present } });
  return files?.chromium ?? CHROMIUM;
}
