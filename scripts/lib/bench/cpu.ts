// Database CPU spent on the read-only role's queries, from the server's processes: user + system time in
// /proc/<pid>/stat of each backend serving the role in the benchmark's database. Real CPU (planning,
// execution, sending rows), which pg_stat_statements does not give, and no server setting to change.
// Needs the server on this machine; elsewhere the figure is reported as unavailable.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type postgres from "postgres";

export type CpuMeasure = { cpuSeconds: number; wallSeconds: number; backends: number } | { unavailable: string };

/** Clock ticks a second, the unit of /proc/<pid>/stat's times. */
export const clockTicks = (() => {
  const ticks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim());
  return ticks > 0 ? ticks : 100;
})();

interface ProcessTimes {
  ppid: number;
  /** utime + stime, seconds. */
  own: number;
  /** cutime + cstime: exited children it waited for (the postmaster reaps parallel workers). */
  children: number;
}

/** A local PostgreSQL process's CPU times; null when `pid` is not one on this machine. */
function processTimes(pid: number): ProcessTimes | null {
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres")) return null;
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm) ", from field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    return { ppid: fields[1]!, own: (fields[11]! + fields[12]!) / clockTicks, children: (fields[13]! + fields[14]!) / clockTicks };
  } catch {
    return null;
  }
}

async function backendPids(admin: postgres.Sql, database: string, role: string): Promise<number[]> {
  const rows = await admin<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = ${database} AND usename = ${role}`;
  return rows.map((r) => r.pid).sort((a, b) => a - b);
}

/** CPU the role's backends spend while `work` runs, plus what the postmaster's exited children used
 *  meanwhile (parallel workers, if the role used any). The work's connections must already be open (run it
 *  once before) and stay open: a backend that exits in between takes its CPU time with it, so the measure
 *  is refused then. */
export async function measureBackendCpu(admin: postgres.Sql, database: string, role: string, work: () => Promise<void>): Promise<CpuMeasure> {
  const before = await backendPids(admin, database, role);
  if (!before.length) return { unavailable: `no backend of ${role} in ${database} to measure` };
  const start = new Map(before.map((pid) => [pid, processTimes(pid)]));
  const postmaster = start.get(before[0]!)?.ppid;
  const postmasterStart = postmaster ? processTimes(postmaster) : null;
  if ([...start.values()].some((times) => times === null) || !postmasterStart) {
    return { unavailable: "the server's backends are not processes of this machine (/proc): run the benchmark on the database host" };
  }
  const started = performance.now();
  await work();
  const wallSeconds = (performance.now() - started) / 1000;
  const after = await backendPids(admin, database, role);
  if (after.join() !== before.join()) return { unavailable: "the role's connections changed during the measure (a backend exited)" };
  let cpuSeconds = (processTimes(postmaster!)?.children ?? Number.NaN) - postmasterStart.children;
  for (const pid of after) cpuSeconds += (processTimes(pid)?.own ?? Number.NaN) - start.get(pid)!.own;
  return { cpuSeconds, wallSeconds, backends: after.length };
}
