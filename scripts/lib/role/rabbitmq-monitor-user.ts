// A RabbitMQ user for Grafana that can read the management API (tag `monitoring`) and nothing else:
// empty configure/write/read patterns on every vhost, so it can neither publish nor consume.
import { badInput, unreachable, httpFailure } from "../errors.ts";

export interface ManagementAccess {
  url: string;
  user: string;
  password: string;
}

const auth = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;

async function call(access: ManagementAccess, path: string, init: RequestInit = {}) {
  try {
    return await fetch(`${access.url}${path}`, {
      ...init,
      headers: { Authorization: auth(access.user, access.password), "content-type": "application/json", ...init.headers },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw unreachable(`RabbitMQ management API at ${access.url} is unreachable (${(error as Error).message}): check RABBITMQ_MANAGEMENT_URL`);
  }
}

/** The body of an answer with the expected status; any other status is an error, its body unread as data. */
async function expectJson<T>(response: Response, what: string, admin: ManagementAccess): Promise<T> {
  if (response.status === 401) throw await refused(response, admin);
  if (!response.ok) throw await httpFailure(response, what, "RABBITMQ_USER needs the administrator tag to manage users");
  return (await response.json()) as T;
}

/** A 401: wrong credentials, or a user without the administrator tag (the body says which). */
async function refused(response: Response, admin: ManagementAccess): Promise<Error> {
  const reason = (await response.text().catch(() => "")).includes("Not administrator user")
    ? `${admin.user} is not tagged administrator, which managing users needs`
    : "check RABBITMQ_USER/RABBITMQ_PASSWORD (an administrator is needed to manage users)";
  return badInput(`RabbitMQ refused ${admin.user}: ${reason}`);
}

interface Permission {
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

export interface MonitorUserResult {
  /** Done (or, in a dry run, to do): pushed only once the management API accepted it. */
  changes: string[];
  /** Vhost permissions beyond empty patterns; emptied only when strict. */
  extras: string[];
  revoked: string[];
}

/**
 * Converges the user. `result` is filled in as each change is accepted, so that a caller whose run
 * fails halfway can still report what was done.
 */
export async function convergeMonitorUser(
  admin: ManagementAccess,
  user: string,
  password: string,
  options: { strict?: boolean; dryRun?: boolean } = {},
  result: MonitorUserResult = { changes: [], extras: [], revoked: [] },
): Promise<MonitorUserResult> {
  const path = `/api/users/${encodeURIComponent(user)}`;
  const existing = await call(admin, path);
  const current = existing.status === 404 ? null : await expectJson<{ tags: string | string[] }>(existing, `reading RabbitMQ user ${user}`, admin);
  const tags = current ? (Array.isArray(current.tags) ? current.tags : current.tags.split(",").filter(Boolean)) : [];
  const passwordWorks = current ? await logsIn(admin.url, user, password) : false;
  if (!current || !passwordWorks || tags.join(",") !== "monitoring") {
    const change = current ? `update user ${user} (tags monitoring${passwordWorks ? "" : ", password"})` : `create user ${user} tagged monitoring`;
    if (!options.dryRun) {
      const put = await call(admin, path, { method: "PUT", body: JSON.stringify({ password, tags: "monitoring" }) });
      if (put.status === 401) throw await refused(put, admin);
      if (!put.ok) throw await httpFailure(put, `could not ${current ? "update" : "create"} RabbitMQ user ${user}`);
    }
    result.changes.push(change);
  }
  // The tag alone shows no queue of a vhost the user has no entry on: an entry with empty patterns
  // gives the vhost's numbers to the management API and no configure/write/read on anything in it.
  const vhosts = (await expectJson<{ name: string }[]>(await call(admin, "/api/vhosts"), "listing RabbitMQ vhosts", admin)).map((v) => v.name);
  const permissions = current ? await expectJson<Permission[]>(await call(admin, `${path}/permissions`), `reading ${user}'s permissions`, admin) : [];
  for (const vhost of vhosts) {
    const entry = permissions.find((p) => p.vhost === vhost);
    const beyond = entry && (entry.configure || entry.write || entry.read);
    if (beyond) result.extras.push(`permissions on vhost ${vhost}: configure '${entry.configure}', write '${entry.write}', read '${entry.read}'`);
    if (entry && !(beyond && options.strict)) continue;
    if (!options.dryRun) {
      const put = await call(admin, `/api/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`, {
        method: "PUT",
        body: JSON.stringify({ configure: "", write: "", read: "" }),
      });
      if (put.status === 401) throw await refused(put, admin);
      if (!put.ok) throw await httpFailure(put, `could not set ${user}'s permissions on vhost ${vhost}`);
    }
    if (entry) result.revoked.push(`permissions on vhost ${vhost}`);
    else result.changes.push(`read-only access to vhost ${vhost} (no configure, write or read)`);
  }
  return result;
}

/** Whether the user logs in with this password: 200 yes, 401 no, any other answer is an error. */
async function logsIn(url: string, user: string, password: string): Promise<boolean> {
  const response = await call({ url, user, password }, "/api/whoami");
  if (response.status === 401) return false;
  if (!response.ok) throw await httpFailure(response, `checking ${user}'s password`);
  return true;
}
