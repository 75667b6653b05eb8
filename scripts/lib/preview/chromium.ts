// Debian's Chromium and its Inter font (Grafana's typeface), which the preview draws with. Run as root on
// Debian, a missing package is installed (saying so, about 480 MB with Chromium's libraries); otherwise
// the preview stops with the one command that installs them.
import { existsSync } from "node:fs";
import { badInput } from "../errors.ts";

export const CHROMIUM = "/usr/bin/chromium";
const INTER = "/usr/share/fonts/opentype/inter/Inter-Regular.otf";
export const DEBIAN_PACKAGES = ["chromium", "fonts-inter"] as const;
export const INSTALL_COMMAND = `apt-get install ${DEBIAN_PACKAGES.join(" ")}`;

/** The files that tell each package is installed. */
export interface PackageFiles {
  chromium: string;
  inter: string;
}
const FILES: PackageFiles = { chromium: CHROMIUM, inter: INTER };

/** The Debian packages the preview needs that are not installed. */
export function missingPackages(files: PackageFiles = FILES): string[] {
  const missing: string[] = [];
  if (!existsSync(files.chromium)) missing.push("chromium");
  if (!existsSync(files.inter)) missing.push("fonts-inter");
  return missing;
}

export interface EnsureOptions {
  /** Install what is missing when this process may (root on Debian); default true. */
  install?: boolean;
  /** Where to look for the packages' files (tests point elsewhere). */
  files?: PackageFiles;
}

/** Chromium's path, after installing what is missing when allowed; otherwise a bad-input failure naming the command. */
export async function ensureChromium(log: (line: string) => void, options: EnsureOptions = {}): Promise<string> {
  const files = options.files ?? FILES;
  const missing = missingPackages(files);
  if (!missing.length) return files.chromium;
  const mayInstall = (options.install ?? true) && process.getuid?.() === 0 && existsSync("/etc/debian_version");
  if (!mayInstall) {
    throw badInput(`The preview draws with Debian's Chromium and the Inter font; ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} missing. Install them: ${INSTALL_COMMAND}`);
  }
  log(`preview: installing ${missing.join(" ")} from Debian (apt-get; about 480 MB with Chromium's libraries), to draw the dashboards`);
  for (const command of [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...missing]]) {
    const child = Bun.spawn(command, { stdout: "pipe", stderr: "pipe", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`${command.join(" ")} failed (exit ${code}):\n${(stderr || stdout).trim()}`);
  }
  const still = missingPackages(files);
  if (still.length) throw new Error(`apt-get installed ${missing.join(" ")}, yet ${still.join(" and ")} ${still.length > 1 ? "are" : "is"} still missing`);
  return files.chromium;
}
