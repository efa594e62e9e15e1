// The project's audit events, newest first.
import { graphql } from "../api.js";
import { AUDIT_EVENTS } from "../documents.js";
import { h, replace, time } from "../dom.js";

export async function renderAudit(root, shell, projectId) {
  const data = await graphql(AUDIT_EVENTS, { id: projectId, after: null });
  const project = data.project;
  if (!project) return null;
  const body = h("tbody", {});
  const more = h("button", { type: "button", class: "button" }, "Load older events");
  let pageInfo = project.auditEvents.pageInfo;

  function add(edges) {
    for (const { node } of edges) {
      body.append(
        h(
          "tr",
          {},
          h("td", {}, time(node.createdAt)),
          h("td", {}, node.actorEmail || h("span", { class: "muted" }, "system")),
          h("td", {}, h("code", {}, node.action)),
          h("td", {}, node.targetName, h("span", { class: "muted small" }, ` ${node.targetType.toLowerCase()}`)),
          h("td", {}, node.detail || ""),
        ),
      );
    }
    more.hidden = !pageInfo.hasNextPage;
  }
  more.addEventListener("click", async () => {
    const next = await graphql(AUDIT_EVENTS, { id: projectId, after: pageInfo.endCursor });
    pageInfo = next.project.auditEvents.pageInfo;
    add(next.project.auditEvents.edges);
  });
  add(project.auditEvents.edges);
  replace(
    root,
    h(
      "section",
      { class: "card" },
      h("h2", { class: "section-title" }, "Activity"),
      h("p", { class: "muted section-intro" }, "Who changed what in this project. Secrets never appear here."),
      h("table", { class: "table" }, h("thead", {}, h("tr", {}, ["When", "Who", "What", "Target", "Detail"].map((title) => h("th", { scope: "col" }, title)))), body),
      more,
    ),
  );
  return project;
}
