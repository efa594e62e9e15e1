// One project: its registries, applications, images and activity, as tabs.
import { h, replace } from "../dom.js";
import { renderRegistries } from "./registries.js";
import { renderApplications } from "./applications.js";
import { renderAudit } from "./audit.js";
import { CAN_MANAGE, openDeleteProject, openRenameProject } from "./project_actions.js";
import { renderImages } from "./images.js";

const TABS = [
  ["registries", "Registries", renderRegistries],
  ["applications", "Applications", renderApplications],
  ["images", "Images", renderImages],
  ["activity", "Activity", renderAudit],
];

export async function renderProject(root, shell, projectId, tab) {
  const [, , render] = TABS.find(([name]) => name === tab) || TABS[0];
  const base = `#/projects/${encodeURIComponent(projectId)}`;
  const header = h("div", { class: "page-header" });
  const nav = h(
    "nav",
    { class: "tabs", "aria-label": "Project sections" },
    TABS.map(([name, label]) =>
      h("a", { href: name === "registries" ? base : `${base}/${name}`, class: name === tab ? "tab active" : "tab", "aria-current": name === tab ? "page" : null }, label),
    ),
  );
  const content = h("div", { class: "tab-content" });
  replace(root, header, nav, content);
  // Each tab fills in the project header once it knows the project.
  const project = await render(content, shell, projectId);
  if (!project) {
    replace(root, h("div", { class: "card empty", role: "alert" }, h("h1", {}, "Project not found"), h("p", {}, "It does not exist or you are not a member."), h("a", { href: "#/" }, "Back to projects")));
    return;
  }
  showHeader(header, shell, project);
}

function showHeader(header, shell, project) {
  shell.setCrumbs(h("a", { href: "#/" }, "Projects"), h("span", { "aria-current": "page" }, project.name));
  const actions = CAN_MANAGE.includes(project.viewerRole)
    ? h(
        "div",
        { class: "header-actions" },
        h("button", { type: "button", class: "button", onclick: () => openRenameProject(project, (renamed) => {
          showHeader(header, shell, renamed);
          shell.notify(`Project renamed to ${renamed.name}.`);
        }) }, "Rename"),
        h("button", { type: "button", class: "button danger", onclick: () => openDeleteProject(project, () => {
          shell.notify(`Project ${project.name} deleted.`);
          shell.go("#/");
        }) }, "Delete project"),
      )
    : null;
  replace(
    header,
    h(
      "div",
      {},
      h("h1", {}, project.name),
      h("p", { class: "muted" }, "Namespace ", h("code", {}, project.namespace), " · your role: ", h("span", { class: "badge" }, project.viewerRole.toLowerCase())),
    ),
    actions,
  );
}
