// A RabbitMQ user for Grafana that can read the management API (tag `monitoring`) and nothing else:
// empty configure/write/read patterns on every vhost, so it can neither publish nor consume.
import { BadInputError, UnreachableError } from "./errors.ts";

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
    throw new UnreachableError(`RabbitMQ management API at ${access.url} is unreachable (${(error as Error).message}): check RABBITMQ_MANAGEMENT_URL`);
  }
}

interface Permission {
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

export interface MonitorUserResult {
  changes: string[];
  /** Vhost permissions beyond empty patterns; emptied only when strict. */
  extras: string[];
  revoked: string[];
}

export async function convergeMonitorUser(
  admin: ManagementAccess,
  user: string,
  password: string,
  options: { strict?: boolean; dryRun?: boolean } = {},
): Promise<MonitorUserResult> {
  const result: MonitorUserResult = { changes: [], extras: [], revoked: [] };
  const path = `/api/users/${encodeURIComponent(user)}`;
  const existing = await call(admin, path);
  if (existing.status === 401) throw new BadInputError(`RabbitMQ refused ${admin.user}: check RABBITMQ_USER/RABBITMQ_PASSWORD (an administrator is needed to manage users)`);
  const current = existing.ok ? ((await existing.json()) as { tags: string | string[] }) : null;
  const tags = current ? (Array.isArray(current.tags) ? current.tags : current.tags.split(",").filter(Boolean)) : [];
  const passwordWorks = current ? (await call({ url: admin.url, user, password }, "/api/whoami")).ok : false;
  if (!current || !passwordWorks || tags.join(",") !== "monitoring") {
    result.changes.push(current ? `update user ${user} (tags monitoring${passwordWorks ? "" : ", password"})` : `create user ${user} tagged monitoring`);
    if (!options.dryRun) {
      const put = await call(admin, path, { method: "PUT", body: JSON.stringify({ password, tags: "monitoring" }) });
      if (!put.ok) throw new Error(`could not create RabbitMQ user ${user}: HTTP ${put.status} ${await put.text()}`);
    }
  }
  // The tag alone shows no queue of a vhost the user has no entry on: an entry with empty patterns
  // gives the vhost's numbers to the management API and no configure/write/read on anything in it.
  const vhosts = ((await (await call(admin, "/api/vhosts")).json()) as { name: string }[]).map((v) => v.name);
  const permissions = current ? ((await (await call(admin, `${path}/permissions`)).json()) as Permission[]) : [];
  for (const vhost of vhosts) {
    const entry = permissions.find((p) => p.vhost === vhost);
    const beyond = entry && (entry.configure || entry.write || entry.read);
    if (beyond) result.extras.push(`permissions on vhost ${vhost}: configure '${entry.configure}', write '${entry.write}', read '${entry.read}'`);
    if (entry && !(beyond && options.strict)) continue;
    if (entry) result.revoked.push(`permissions on vhost ${vhost}`);
    else result.changes.push(`read-only access to vhost ${vhost} (no configure, write or read)`);
    if (!options.dryRun) {
      const put = await call(admin, `/api/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`, {
        method: "PUT",
        body: JSON.stringify({ configure: "", write: "", read: "" }),
      });
      if (!put.ok) throw new Error(`could not set ${user}'s permissions on vhost ${vhost}: HTTP ${put.status}`);
    }
  }
  return result;
}
