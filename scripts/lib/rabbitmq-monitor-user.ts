// A RabbitMQ user for Grafana that can read the management API (tag `monitoring`) and nothing else:
// no configure/write/read permission on any vhost, so it can neither publish nor consume.
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

export interface MonitorUserResult {
  changes: string[];
  /** Vhost permissions the user has beyond none; removed only when strict. */
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
  if (current) {
    const permissions = (await (await call(admin, `${path}/permissions`)).json()) as { vhost: string; configure: string; write: string; read: string }[];
    for (const p of permissions) {
      result.extras.push(`permissions on vhost ${p.vhost}: configure '${p.configure}', write '${p.write}', read '${p.read}'`);
      if (options.strict && !options.dryRun) {
        await call(admin, `/api/permissions/${encodeURIComponent(p.vhost)}/${encodeURIComponent(user)}`, { method: "DELETE" });
        result.revoked.push(`permissions on vhost ${p.vhost}`);
      }
    }
  }
  return result;
}
