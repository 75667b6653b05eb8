// The Debian packages the stack (and the test suite) run on, installed by the stack itself when it runs
// as root on Debian, saying what and why; refused with the one command to run when it may not (not root,
// not Debian, --no-install or STACK_NO_INSTALL=1). The plan is a plain function of what is present, so
// that it is tested without uninstalling anything.
import { existsSync, readFileSync } from "node:fs";
import { badInput } from "./errors.ts";

export interface DebianPackage {
  name: string;
  /** What it is for, said when it is installed or missing. */
  why: string;
  /** Files any one of which shows it is there (the stack runs these very files). */
  files: string[];
}

const PSQL_DIR = "/usr/lib/postgresql";

/** What the stack's own components run on. */
export const STACK_PACKAGES: Record<"postgres" | "rabbitmq" | "any", DebianPackage[]> = {
  postgres: [{ name: "postgresql-15", why: "PostgreSQL 15, the stack's database", files: [`${PSQL_DIR}/15/bin/postgres`] }],
  rabbitmq: [{ name: "rabbitmq-server", why: "RabbitMQ with its management plugin, the stack's broker", files: ["/usr/lib/rabbitmq/bin/rabbitmq-server"] }],
  /** ps: `stack down` finds each component's process group with it. */
  any: [{ name: "procps", why: "ps, with which the stack tells its processes apart", files: ["/usr/bin/ps", "/bin/ps"] }],
};

/** Every package the stack may run on. */
export const ALL_STACK_PACKAGES = [...STACK_PACKAGES.any, ...STACK_PACKAGES.postgres, ...STACK_PACKAGES.rabbitmq];

/** What `bun run preview` draws with: Debian's Chromium and Grafana's typeface (about 480 MB). */
export const PREVIEW_PACKAGES: DebianPackage[] = [
  { name: "chromium", why: "the preview draws dashboards with it", files: ["/usr/bin/chromium"] },
  { name: "fonts-inter", why: "Grafana's typeface, for the preview", files: ["/usr/share/fonts/opentype/inter/Inter-Regular.otf"] },
];

/** What the test suite needs beyond the stack: the preview's, and docker-compose, whose parser reads
 *  docker-compose.yml in the tests (no Docker engine needed). */
export const TEST_PACKAGES: DebianPackage[] = [
  { name: "docker-compose", why: "its parser reads docker-compose.yml in the tests", files: ["/usr/bin/docker-compose"] },
  ...PREVIEW_PACKAGES,
];

/** The machine as far as installing goes. */
export interface Host {
  root: boolean;
  debian: boolean;
  /** True when the package is there. */
  present: (pkg: DebianPackage) => boolean;
}

export interface PackagePlan {
  /** Missing packages, in the order wanted. */
  missing: DebianPackage[];
  /** "none": all there; "install": the stack installs them now; "refuse": it stops with `command`. */
  action: "none" | "install" | "refuse";
  /** The one command that installs what is missing. */
  command: string;
  /** Why it refuses (action "refuse"). */
  reason?: string;
}

/** What to do about `wanted` on `host`, `allowed` being false under --no-install or STACK_NO_INSTALL. */
export function planPackages(wanted: readonly DebianPackage[], host: Host, allowed: boolean): PackagePlan {
  const missing = [...new Map(wanted.map((pkg) => [pkg.name, pkg])).values()].filter((pkg) => !host.present(pkg));
  const names = missing.map((pkg) => pkg.name).join(" ");
  const command = `${host.root ? "" : "sudo "}apt-get install -y --no-install-recommends ${names}`;
  if (!missing.length) return { missing, action: "none", command: "" };
  if (!allowed) return { missing, action: "refuse", command, reason: "installing is turned off (--no-install or STACK_NO_INSTALL=1)" };
  if (!host.debian) return { missing, action: "refuse", command, reason: "this is not Debian: install them (or their equivalents) yourself" };
  if (!host.root) return { missing, action: "refuse", command, reason: "the stack installs them itself only when it runs as root" };
  return { missing, action: "install", command };
}

/** This machine: root or not, Debian or not, and each package's files. */
export function thisHost(): Host {
  const osRelease = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  return {
    root: process.getuid?.() === 0,
    debian: existsSync("/etc/debian_version") || /^ID(_LIKE)?=.*\bdebian\b/m.test(osRelease),
    present: (pkg) => pkg.files.some((file) => existsSync(file)),
  };
}

const listed = (packages: DebianPackage[]) => packages.map((pkg) => `${pkg.name} (${pkg.why})`).join(", ");

/** The refusal: what is missing, why the stack does not install it, and the one command. */
export function packagesRefusal(plan: PackagePlan) {
  return badInput(`Debian packages missing: ${listed(plan.missing)}. Not installed now: ${plan.reason}. Install them with: ${plan.command}`);
}

/** Installs what `wanted` lacks when the plan says so (saying what and why), refuses otherwise; nothing
 *  happens when all is there. `run` runs a command and answers its exit code (apt-get by default). */
export async function ensurePackages(
  wanted: readonly DebianPackage[],
  log: (line: string) => void,
  options: { allowed: boolean; host?: Host; run?: (argv: string[]) => Promise<number> },
): Promise<PackagePlan> {
  const plan = planPackages(wanted, options.host ?? thisHost(), options.allowed);
  if (plan.action === "none") return plan;
  if (plan.action === "refuse") throw packagesRefusal(plan);
  const run = options.run ?? aptGet;
  log(`packages: installing ${listed(plan.missing)} with apt-get (running as root on Debian; --no-install or STACK_NO_INSTALL=1 refuses instead)`);
  const started = Date.now();
  const names = plan.missing.map((pkg) => pkg.name);
  if ((await run(["apt-get", "update", "-qq"])) !== 0 || (await run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...names])) !== 0) {
    throw badInput(`Installing ${names.join(" ")} failed (see apt-get's output above). Install them with: ${plan.command}`);
  }
  log(`packages: installed ${names.join(", ")} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return plan;
}

async function aptGet(argv: string[]): Promise<number> {
  const child = Bun.spawn(argv, { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, stdout: "inherit", stderr: "inherit" });
  return child.exited;
}
