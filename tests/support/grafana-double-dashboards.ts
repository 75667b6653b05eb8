// The Grafana double's dashboard routes (grafana-facts §4: save, read, versions, the schema-v2 /apis read)
// and /api/ds/query (§5), which only an executor a test plugs in answers.
import { randomBytes } from "node:crypto";
import { type DoubleContext, type Route, type StoredDashboard, UID_PATTERN, errutil, isRecord, jsonBody, reply, slug } from "./grafana-double-model.ts";

export function dashboardAndQueryRoutes(context: DoubleContext): Route[] {
  const { facts, datasources, folders, dashboards, queryBodies, authorize, now } = context;
  const apisPath = (uid: string, apiVersion: string) => `/apis/dashboard.grafana.app/${apiVersion}/namespaces/${facts.namespace}/dashboards/${uid}`;

  return [
    // --- dashboards (§4) ---
    {
      method: "GET",
      pattern: /^\/api\/dashboards\/uid\/([^/]+)$/,
      handle: (caller, [uid]) => {
        const denied = authorize(caller, "dashboards:read");
        if (denied) return denied;
        const dash = dashboards.get(uid!);
        if (!dash) return reply(404, { message: "Dashboard not found" });
        if (dash.v2Spec) return reply(406, { message: `dashboard api version not supported, use ${apisPath(uid!, "v2")} instead` });
        const latest = dash.versions.at(-1)!;
        const folder = folders.get(dash.folderUid);
        return reply(200, {
          // The stored JSON, with version overwritten by the DB version and id filled in (§4.2).
          dashboard: { ...latest.data, id: dash.id, uid: dash.uid, version: latest.version },
          meta: {
            type: "db",
            canSave: caller.role !== "Viewer",
            canEdit: caller.role !== "Viewer",
            canAdmin: caller.role === "Admin",
            canStar: true,
            canDelete: caller.role !== "Viewer",
            slug: slug(String(latest.data.title)),
            url: `/d/${dash.uid}/${slug(String(latest.data.title))}`,
            expires: "0001-01-01T00:00:00Z",
            created: dash.created,
            updated: latest.created,
            updatedBy: latest.createdBy,
            createdBy: dash.createdBy,
            version: latest.version,
            hasAcl: false,
            isFolder: false,
            folderId: folder?.id ?? 0,
            folderUid: dash.folderUid,
            folderTitle: folder?.title ?? "General",
            folderUrl: folder ? `/dashboards/f/${folder.uid}/${slug(folder.title)}` : "",
            provisioned: dash.provisioned,
            provisionedExternalId: dash.provisioned ? `${dash.uid}.json` : "",
            annotationsPermissions: { dashboard: { canAdd: true, canEdit: true, canDelete: true }, organization: { canAdd: true, canEdit: true, canDelete: true } },
            isStarred: false,
          },
        });
      },
    },
    {
      method: "POST",
      pattern: /^\/api\/dashboards\/db$/,
      handle: async (caller, _m, request) => {
        const denied = authorize(caller, "dashboards:create", "dashboards:write");
        if (denied) return denied;
        const body = await jsonBody(request);
        if (!isRecord(body) || !isRecord(body.dashboard)) return reply(400, { message: "bad request data" });
        const dashboard = body.dashboard as Record<string, unknown>;
        if (dashboard.isFolder === true) return reply(400, { message: "Use folders endpoint for saving folders." });
        const title = typeof dashboard.title === "string" ? dashboard.title.trim() : "";
        if (!title) return reply(400, { status: "empty-name", message: "Dashboard title cannot be empty" });
        if (title.length > 5000) return reply(400, { status: "title-too-long", message: "Dashboard title cannot contain more than 5 000 characters" });
        if (Array.isArray(dashboard.tags) && dashboard.tags.some((t) => String(t).length > 50)) {
          return reply(400, { status: "tag-too-long", message: "dashboard tag too long, max 50 characters" });
        }
        const uid = typeof dashboard.uid === "string" && dashboard.uid ? dashboard.uid : randomBytes(7).toString("hex");
        if (!UID_PATTERN.test(uid)) return reply(400, { message: "uid contains illegal characters" });
        if (uid.length > 40) return reply(400, { message: "uid too long, max 40 characters" });
        const message = typeof body.message === "string" ? body.message : "";
        if (message.length > 500) return reply(400, { message: "message too long, max 500 characters" });
        const folderUid = typeof body.folderUid === "string" ? body.folderUid : "";
        if (folderUid && !folders.has(folderUid)) return reply(400, { message: "folder not found" });
        const existing = dashboards.get(uid);
        if (existing?.provisioned) return reply(400, { message: "Cannot save provisioned dashboard" });
        const stored = existing?.versions.at(-1)?.version ?? 0;
        if (existing && body.overwrite !== true && dashboard.version !== stored) {
          return reply(412, { status: "version-mismatch", message: "The dashboard has been changed by someone else" });
        }
        const dash: StoredDashboard = existing ?? { id: context.nextId(), uid, folderUid, provisioned: false, versions: [], created: now(), createdBy: caller.login };
        // Without folderUid a save moves the dashboard to the root (§4.1).
        dash.folderUid = folderUid;
        if (body.overwrite === true && facts.overwriteTurnsV2IntoV1) delete dash.v2Spec;
        const { id: _id, ...data } = dashboard;
        dash.versions.push({ version: stored + 1, parentVersion: stored, created: now(), createdBy: caller.login, message, data: { ...data, uid, version: stored + 1 } });
        dashboards.set(uid, dash);
        return reply(200, { status: "success", slug: slug(title), version: stored + 1, id: dash.id, uid, url: `/d/${uid}/${slug(title)}`, folderUid });
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/dashboards\/uid\/([^/]+)\/versions$/,
      handle: (caller, [uid], _request, url) => {
        const denied = authorize(caller, "dashboards:write");
        if (denied) return denied;
        const dash = dashboards.get(uid!);
        if (!dash || (dash.v2Spec && !facts.versionsListedForV2)) return reply(404, { message: "Dashboard not found" });
        const limit = Number(url.searchParams.get("limit") ?? 0) || dash.versions.length;
        const versions = dash.versions
          .toReversed()
          .slice(0, limit)
          .map((v, i) => ({
            id: i + 1,
            dashboardId: dash.id,
            uid: dash.uid,
            parentVersion: v.parentVersion,
            restoredFrom: 0,
            version: v.version,
            created: v.created,
            createdBy: v.createdBy,
            // Rewritten on read (§4.4).
            message: v.parentVersion === 0 ? "Initial save" : v.message,
          }));
        return reply(200, { continueToken: "", versions });
      },
    },
    {
      method: "GET",
      pattern: /^\/apis\/dashboard\.grafana\.app\/([\w.-]+)\/namespaces\/([\w-]+)\/dashboards\/([\w-]+)$/,
      handle: (caller, [apiVersion, namespace, uid]) => {
        const denied = authorize(caller, "dashboards:read");
        if (denied) return denied;
        const dash = dashboards.get(uid!);
        if (!dash || namespace !== facts.namespace) return reply(404, { kind: "Status", message: `dashboards.dashboard.grafana.app "${uid}" not found`, code: 404 });
        const latest = dash.versions.at(-1)!;
        return reply(200, {
          apiVersion: `dashboard.grafana.app/${apiVersion}`,
          kind: "Dashboard",
          metadata: {
            name: dash.uid,
            namespace,
            generation: latest.version,
            resourceVersion: String(latest.version * 1000),
            annotations: { "grafana.app/updatedBy": `user:${latest.createdBy}`, "grafana.app/message": latest.message },
          },
          spec: dash.v2Spec ?? latest.data,
        });
      },
    },
    // --- queries (§5) ---
    {
      method: "POST",
      pattern: /^\/api\/ds\/query$/,
      handle: async (caller, _m, request) => {
        const denied = authorize(caller, "datasources:query");
        if (denied) return denied;
        const body = await jsonBody(request);
        queryBodies.push(body);
        if (!isRecord(body)) return reply(400, { message: "bad request data" });
        const queries = Array.isArray(body.queries) ? (body.queries as Record<string, unknown>[]) : [];
        if (!queries.length) return errutil(400, "query.noQueries", "No queries found");
        const seen = new Set<string>();
        for (const query of queries) {
          const refId = String(query.refId ?? "");
          const uid = isRecord(query.datasource) ? String(query.datasource.uid ?? "") : "";
          if (!uid) return errutil(400, "query.missingDataSourceInfo", `Query ${refId} is missing datasource information`);
          if (seen.has(refId)) return errutil(400, "query.duplicateRefId", facts.duplicateRefIdMessage);
          seen.add(refId);
          if (!datasources.has(uid)) return reply(404, { message: "Data source not found" });
        }
        if (!context.executor) {
          return reply(501, { message: "the Grafana double has no query executor: pass one to startGrafanaDouble({ executor })" });
        }
        const answer = await context.executor(body, { datasource: (uid) => datasources.get(uid) });
        return reply(answer.status, answer.body);
      },
    },
  ];
}
