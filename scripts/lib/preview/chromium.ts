// Debian's Chromium and its Inter font (Grafana's typeface), which the preview draws with. Run as root on
// Debian, a missing package is installed (saying so, about 480 MB with Chromium's libraries); otherwise
// the preview stops with the one command that installs them. The packages and their installing are the
// stack's (scripts/lib/debian-packages.ts).
import { type Host, PREVIEW_PACKAGES, ensurePackages } from "../debian-packages.ts";

export const CHROMIUM = PREVIEW_PACKAGES[0]!.files[0]!;

export interface EnsureOptions {
  /** Install what is missing when this process may (root on Debian); default true. */
  install?: boolean;
  /** The machine as the packages' code sees it (default this one; tests hand it another). */
  host?: Host;
}

/** Chromium's path, after installing what is missing when allowed; otherwise a bad-input failure naming the command. */
export async function ensureChromium(log: (line: string) => void, options: EnsureOptions = {}): Promise<string> {
  await ensurePackages(PREVIEW_PACKAGES, log, { allowed: options.install ?? true, host: options.host });
  return CHROMIUM;
}
