// What the project's Nodion registries hold: repositories per region, their
// tags with digest, size, and when and by whom they were pushed; ADMINs delete
// a tag after confirming.
import { graphql, isError } from "../api.js";
import { DELETE_IMAGE_TAG, PROJECT_IMAGES } from "../documents.js";
import { alertBox, h, replace, showAlert, time } from "../dom.js";
import { confirmDialog } from "../ui/dialog.js";
import { busy } from "../ui/forms.js";

export function formatSize(bytes) {
  if (bytes === null || bytes === undefined) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${size} B` : `${size.toFixed(1)} ${units[unit]}`;
}

export async function renderImages(root, shell, projectId) {
  const data = await graphql(PROJECT_IMAGES, { id: projectId, region: null });
  const project = data.project;
  if (!project) return null;
  const state = { project };

  async function reload(message) {
    state.project = (await graphql(PROJECT_IMAGES, { id: projectId, region: null })).project;
    draw();
    if (message) shell.notify(message);
  }

  const list = h("div", {});
  function draw() {
    const repositories = state.project.repositories.edges.map((edge) => edge.node);
    const regions = [...new Set(repositories.map((repository) => repository.region))].sort();
    replace(
      list,
      repositories.length
        ? regions.map((region) =>
            h(
              "section",
              { class: "region-images", dataset: { region } },
              h("h3", { class: "section-title" }, region),
              h("ul", { class: "application-list" }, repositories.filter((r) => r.region === region).map((repository) => repositoryCard(repository, state, reload))),
            ),
          )
        : h("div", { class: "card empty" }, h("p", {}, "No images yet. Push to one of this project's Nodion registries and they appear here.")),
    );
  }
  replace(root, h("div", { class: "toolbar" }, h("h2", { class: "visually-hidden" }, "Images")), list);
  draw();
  return project;
}

function repositoryCard(repository, state, reload) {
  const alert = alertBox();
  const tags = repository.tags.edges.map((edge) => edge.node);
  const registry = state.project.registries.find((r) => r.region === repository.region && r.isDefault);
  const canDelete = state.project.viewerRole === "ADMIN" && registry;

  async function remove(tag, button) {
    const confirmed = await confirmDialog({
      title: `Delete ${repository.name}:${tag.name}?`,
      message: `The manifest ${tag.digest} is deleted from the registry, with every tag that names it. Pulls of it fail from then on.`,
      confirmLabel: "Delete tag",
    });
    if (!confirmed) return;
    showAlert(alert, "");
    await busy(button, async () => {
      const input = { registryId: registry.id, repository: repository.name, tag: tag.name, force: false };
      const { deleteImageTag: result } = await graphql(DELETE_IMAGE_TAG, { input });
      if (isError(result)) showAlert(alert, result.message);
      else await reload(`${repository.name}:${tag.name} deleted.`);
    });
  }

  return h(
    "li",
    { class: "card repository", dataset: { repository: repository.name } },
    h("div", { class: "registry-title" }, h("h4", { class: "mono" }, repository.name), h("span", { class: "grow" }), h("span", { class: "muted small" }, `${repository.tagCount} tags · ${formatSize(repository.sizeBytes)}`)),
    alert,
    h(
      "table",
      { class: "table compact" },
      h("thead", {}, h("tr", {}, ["Tag", "Digest", "Size", "Pushed", "By", ""].map((title) => h("th", { scope: "col" }, title)))),
      h(
        "tbody",
        {},
        tags.map((tag) =>
          h(
            "tr",
            { dataset: { tag: tag.name } },
            h("td", { class: "mono" }, tag.name),
            h("td", { class: "mono small", title: tag.digest }, tag.digest.slice(0, 19)),
            h("td", {}, formatSize(tag.sizeBytes)),
            h("td", {}, time(tag.pushedAt)),
            h("td", {}, tag.pushedBy || "—"),
            h(
              "td",
              {},
              canDelete
                ? h("button", { type: "button", class: "button danger small", "aria-label": `Delete ${repository.name}:${tag.name}`, onclick: (event) => remove(tag, event.currentTarget) }, "Delete")
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}
