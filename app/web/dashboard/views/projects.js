// Your projects, and a form to create one.
import { graphql, isError } from "../api.js";
import { CREATE_PROJECT, PROJECTS } from "../documents.js";
import { h, replace, time } from "../dom.js";
import { busy, field, setFieldError } from "../ui/forms.js";

export async function renderProjects(root, shell) {
  shell.setCrumbs(h("span", { "aria-current": "page" }, "Projects"));
  const projects = [];
  let after = null;
  do {
    const data = await graphql(PROJECTS, { after });
    projects.push(...data.projects.edges.map((edge) => edge.node));
    after = data.projects.pageInfo.hasNextPage ? data.projects.pageInfo.endCursor : null;
  } while (after);

  const nameField = field({ label: "Project name", name: "name", required: true, placeholder: "e.g. Shop" });
  const create = h("button", { type: "submit", class: "button primary" }, "Create project");
  const form = h("form", { class: "inline-form", novalidate: true, "aria-label": "New project" }, nameField.wrapper, create);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setFieldError(nameField, "");
    await busy(create, async () => {
      const { createProject: result } = await graphql(CREATE_PROJECT, { name: nameField.input.value });
      if (isError(result)) {
        setFieldError(nameField, result.message);
        nameField.input.focus();
        return;
      }
      const created = `Project ${result.project.name} created, with a Nodion registry in every region.`;
      shell.notify(result.notice ? `${created} ${result.notice}` : created);
      shell.go(`#/projects/${encodeURIComponent(result.project.id)}`);
    });
  });

  const list = projects.length
    ? h(
        "ul",
        { class: "project-list" },
        projects.map((project) =>
          h(
            "li",
            {},
            h(
              "a",
              { class: "card project-card", href: `#/projects/${encodeURIComponent(project.id)}` },
              h("span", { class: "project-name" }, project.name),
              h("span", { class: "mono muted" }, project.namespace),
              h("span", { class: "project-meta" }, h("span", { class: "badge" }, project.viewerRole.toLowerCase()), " · created ", time(project.createdAt)),
            ),
          ),
        ),
      )
    : h("div", { class: "card empty" }, h("p", {}, "No projects yet. Create your first one above: it gets a managed registry in every region."));

  replace(
    root,
    h("div", { class: "page-header" }, h("div", {}, h("h1", {}, "Projects"), h("p", { class: "muted" }, "Each project has its own namespace and registries in every region."))),
    h("section", { class: "card" }, h("h2", { class: "section-title" }, "New project"), form),
    list,
  );
}
