// Applications and their deployments: list, create, deploy, status.
import { graphql, isError } from "../api.js";
import { CREATE_APPLICATION, DEPLOY_APPLICATION, PROJECT_APPLICATIONS, UPDATE_APPLICATION } from "../documents.js";
import { alertBox, h, replace, showAlert, time } from "../dom.js";
import { openDialog } from "../ui/dialog.js";
import { busy, clearErrors, field, setFieldError } from "../ui/forms.js";
import { registryLabel } from "./registry_labels.js";

const CAN_DEPLOY = ["ADMIN", "DEVELOPER"];
const STRATEGIES = [
  ["PREBUILT_IMAGE", "Prebuilt image"],
  ["DOCKERFILE", "Dockerfile"],
  ["BUILDPACKS", "Buildpacks"],
];
const DEPLOYMENT_TONES = { SUCCEEDED: "good", FAILED: "bad", PENDING: "neutral", CLAIMED: "accent" };

export async function renderApplications(root, shell, projectId) {
  const data = await graphql(PROJECT_APPLICATIONS, { id: projectId });
  const project = data.project;
  if (!project) return null;
  const state = { project, regions: data.regions };

  async function reload(message) {
    state.project = (await graphql(PROJECT_APPLICATIONS, { id: projectId })).project;
    draw();
    if (message) shell.notify(message);
  }

  const list = h("div", {});
  function draw() {
    const applications = state.project.applications;
    replace(
      list,
      applications.length
        ? h("ul", { class: "application-list" }, applications.map((application) => applicationCard(application, state, reload)))
        : h("div", { class: "card empty" }, h("p", {}, "No applications yet. Create one to deploy an image from one of this project's registries.")),
    );
  }
  const create = CAN_DEPLOY.includes(project.viewerRole)
    ? h("button", { type: "button", class: "button primary", onclick: () => openCreateApplication(state, (application) => reload(`${application.name} created.`)) }, "New application")
    : null;
  replace(root, h("div", { class: "toolbar" }, h("h2", { class: "visually-hidden" }, "Applications"), h("span", { class: "grow" }), create), list);
  draw();
  return project;
}

function applicationCard(application, state, reload) {
  const alert = alertBox();
  const deployments = application.deployments.edges.map((edge) => edge.node);
  const deploy = CAN_DEPLOY.includes(state.project.viewerRole)
    ? h("button", {
        type: "button",
        class: "button primary small",
        onclick: async (event) => {
          showAlert(alert, "");
          await busy(event.currentTarget, async () => {
            const { deployApplication: result } = await graphql(DEPLOY_APPLICATION, { id: application.id, tag: null });
            if (isError(result)) showAlert(alert, result.message);
            else await reload(`Deployment of ${application.name} queued.`);
          });
        },
      }, "Deploy")
    : null;
  const canChange = CAN_DEPLOY.includes(state.project.viewerRole);
  const onPush = h("input", {
    type: "checkbox",
    checked: application.deployOnPush,
    disabled: !canChange,
    onchange: async (event) => {
      const wanted = event.currentTarget.checked;
      showAlert(alert, "");
      const input = { applicationId: application.id, deployOnPush: wanted };
      const { updateApplication: result } = await graphql(UPDATE_APPLICATION, { input });
      if (isError(result)) {
        onPush.checked = !wanted;
        showAlert(alert, result.message);
      } else {
        await reload(`Deploy on push ${wanted ? "on" : "off"} for ${application.name}.`);
      }
    },
  });
  const deployOnPush = h("label", { class: "switch small", title: "A push of a new digest to its image and tag deploys that digest." }, onPush, " Deploy on push");
  return h(
    "li",
    { class: "card application", dataset: { applicationId: application.id } },
    h("div", { class: "registry-title" }, h("h3", {}, application.name), h("span", { class: "badge" }, application.strategy.toLowerCase().replace("_", " ")), h("span", { class: "grow" }), deploy),
    h("div", { class: "mono registry-host" }, application.imageReference),
    deployOnPush,
    h("dl", { class: "facts" }, [h("dt", {}, "Region"), h("dd", {}, application.region), h("dt", {}, "Registry"), h("dd", {}, application.registry.name), h("dt", {}, "Created"), h("dd", {}, time(application.createdAt))]),
    alert,
    deployments.length
      ? h(
          "table",
          { class: "table compact" },
          h("thead", {}, h("tr", {}, ["Deployment", "Status", "Image", "Target", "Finished"].map((title) => h("th", { scope: "col" }, title)))),
          h(
            "tbody",
            {},
            deployments.map((deployment) =>
              h(
                "tr",
                {},
                h("td", {}, time(deployment.createdAt)),
                h("td", {}, h("span", { class: `pill ${DEPLOYMENT_TONES[deployment.status] || "neutral"}`, dataset: { status: deployment.status } }, deployment.status.toLowerCase()), deployment.message ? h("div", { class: "muted small" }, deployment.message) : null),
                h("td", { class: "mono small" }, deployment.imageReference),
                h("td", {}, deployment.target || "—"),
                h("td", {}, deployment.finishedAt ? time(deployment.finishedAt) : "—"),
              ),
            ),
          ),
        )
      : h("p", { class: "muted small" }, "Not deployed yet."),
  );
}

function openCreateApplication(state, onCreated) {
  const registries = state.project.registries;
  const fields = {
    name: field({ label: "Name", name: "name", required: true, placeholder: "web" }),
    region: field({ label: "Region", name: "region", required: true, options: state.regions.map((r) => ({ value: r.slug, label: r.name })) }),
    strategy: field({ label: "Strategy", name: "strategy", required: true, options: STRATEGIES.map(([value, label]) => ({ value, label })) }),
    containerRegistryId: field({
      label: "Registry",
      name: "containerRegistryId",
      options: [{ value: "", label: "The region's Nodion registry" }, ...registries.map((r) => ({ value: r.id, label: registryLabel(r) }))],
    }),
    image: field({ label: "Image", name: "image", required: true, placeholder: "nginx or team/app" }),
    tag: field({ label: "Tag", name: "tag", placeholder: "latest" }),
  };
  const formAlert = alertBox();
  const submit = h("button", { type: "submit", class: "button primary" }, "Create application");
  const cancel = h("button", { type: "button", class: "button", onclick: () => handle.close() }, "Cancel");
  const form = h("form", { class: "stacked-form", novalidate: true }, Object.values(fields).map((f) => f.wrapper), formAlert, h("div", { class: "dialog-actions" }, cancel, submit));
  function adapt() {
    const prebuilt = fields.strategy.input.value === "PREBUILT_IMAGE";
    for (const name of ["containerRegistryId", "image", "tag"]) fields[name].wrapper.hidden = !prebuilt;
  }
  fields.strategy.input.addEventListener("change", adapt);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(fields);
    showAlert(formAlert, "");
    const input = { projectId: state.project.id, name: fields.name.input.value.trim(), region: fields.region.input.value, strategy: fields.strategy.input.value };
    if (input.strategy === "PREBUILT_IMAGE") {
      // No registry chosen: the server picks the region's Nodion registry, as the CLI does.
      input.containerRegistryId = fields.containerRegistryId.input.value || null;
      input.image = fields.image.input.value.trim();
      input.tag = fields.tag.input.value.trim() || null;
    }
    await busy(submit, async () => {
      const { createApplication: result } = await graphql(CREATE_APPLICATION, { input });
      if (!isError(result)) {
        handle.close();
        onCreated(result.application);
        return;
      }
      if (result.field && fields[result.field]) setFieldError(fields[result.field], result.message);
      else showAlert(formAlert, result.message);
    });
  });
  const handle = openDialog({ title: "New application", body: form, className: "form-dialog" });
  adapt();
  fields.name.input.focus();
}
