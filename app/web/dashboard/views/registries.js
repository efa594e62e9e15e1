// A project's Registries page: every registry with its credentials state and
// verification, and the actions the viewer's role allows.
import { graphql, isError } from "../api.js";
import { GENERATE_CREDENTIALS, PROJECT_REGISTRIES, VERIFY_REGISTRY } from "../documents.js";
import { alertBox, h, replace, showAlert, time } from "../dom.js";
import { busy } from "../ui/forms.js";
import { openAddRegistry } from "./add_registry.js";
import { showCredentialsOnce } from "./credentials.js";
import { openCheckImage, openUpdateCredentials, removeRegistry } from "./registry_actions.js";
import { statusPill, typeBadge } from "./registry_labels.js";
import { tokensSection } from "./registry_tokens.js";
import { publishersSection } from "./trusted_publishers.js";

const CAN_CHANGE = ["ADMIN"];
const CAN_CHECK = ["ADMIN", "DEVELOPER"];

export async function renderRegistries(root, shell, projectId) {
  const data = await graphql(PROJECT_REGISTRIES, { id: projectId });
  const project = data.project;
  if (!project) return null;
  const state = { project, regions: data.regions, providers: data.registryProviders };
  const pageAlert = alertBox();
  const list = h("div", { class: "registry-groups" });

  async function reload(message) {
    const fresh = await graphql(PROJECT_REGISTRIES, { id: projectId });
    state.project = fresh.project;
    draw();
    if (message) shell.notify(message);
  }

  function draw() {
    const registries = state.project.registries;
    const managed = registries.filter((registry) => registry.type === "NODION");
    const connected = registries.filter((registry) => registry.type !== "NODION");
    const context = { state, shell, reload, pageAlert };
    replace(
      list,
      h(
        "section",
        { class: "registry-group", "aria-labelledby": "managed-title" },
        h("h2", { id: "managed-title", class: "section-title" }, "Nodion registries", h("span", { class: "count" }, managed.length)),
        h("p", { class: "muted section-intro" }, "Managed by Nodion in every region. Generate credentials to push from a pipeline; apps in this project pull without them."),
        h("ul", { class: "registry-list" }, managed.map((registry) => registryRow(registry, context))),
      ),
      h(
        "section",
        { class: "registry-group", "aria-labelledby": "connected-title" },
        h("h2", { id: "connected-title", class: "section-title" }, "Connected registries", h("span", { class: "count" }, connected.length)),
        connected.length
          ? h("ul", { class: "registry-list" }, connected.map((registry) => registryRow(registry, context)))
          : h("div", { class: "empty-inline" }, "No third-party registry yet. Connect Docker Hub, GitHub Container Registry or any OCI registry to deploy images you publish there."),
      ),
    );
  }

  const addButton = CAN_CHANGE.includes(project.viewerRole)
    ? h("button", { type: "button", class: "button primary", onclick: () => openAddRegistry(state, (registry) => reload(`${registry.name} added.`)) }, "Add registry")
    : null;
  replace(root, h("div", { class: "toolbar" }, h("h2", { class: "visually-hidden" }, "Registries"), h("span", { class: "grow" }), addButton), pageAlert, list);
  draw();
  return project;
}

function registryRow(registry, { state, shell, reload, pageAlert }) {
  const role = state.project.viewerRole;
  const actions = [];
  if (registry.type === "NODION" && !registry.credentialsCreatedAt && CAN_CHANGE.includes(role)) {
    actions.push(
      h("button", {
        type: "button",
        class: "button primary small",
        onclick: (event) => generate(event.currentTarget, registry, { reload, pageAlert }),
      }, "Generate credentials"),
    );
  }
  if (registry.type !== "NODION") {
    if (CAN_CHECK.includes(role)) {
      actions.push(h("button", { type: "button", class: "button small", onclick: (event) => verify(event.currentTarget, registry, { reload, pageAlert }) }, "Verify"));
      actions.push(h("button", { type: "button", class: "button small", onclick: () => openCheckImage(registry) }, "Check image"));
    }
    if (CAN_CHANGE.includes(role)) {
      actions.push(h("button", { type: "button", class: "button small", onclick: () => openUpdateCredentials(registry, (updated) => reload(`Credentials of ${updated.name} updated.`)) }, "Update credentials"));
    }
  }
  if (CAN_CHANGE.includes(role)) {
    const onlyOne = registry.type === "NODION" && !state.project.registries.some((other) => other.id !== registry.id && other.type === "NODION" && other.region === registry.region);
    if (onlyOne) {
      // Refused by the API anyway; saying why beside the button beats a confirm dialog that ends in an error.
      const reasonId = `remove-reason-${registry.id}`;
      actions.push(
        h("button", { type: "button", class: "button small danger-text", disabled: true, "aria-describedby": reasonId }, "Remove"),
        h("p", { id: reasonId, class: "muted small action-reason" }, `The only Nodion registry of ${registry.region}: add another in this region first.`),
      );
    } else {
      actions.push(h("button", { type: "button", class: "button small danger-text", onclick: () => removeRegistry(registry, { reload, pageAlert }) }, "Remove"));
    }
  }
  return h(
    "li",
    { class: "card registry", dataset: { registryId: registry.id, hostname: registry.hostname, type: registry.type } },
    h(
      "div",
      { class: "registry-main" },
      h("div", { class: "registry-kind" }, typeBadge(registry.type), registry.isDefault ? h("span", { class: "pill accent", title: "Used for builds in this region" }, "Default") : null),
      h("h3", {}, registry.name),
      h("div", { class: "registry-host mono" }, registry.hostname),
      h("dl", { class: "facts" }, registry.region ? fact("Region", registry.region) : null, fact("Added", time(registry.createdAt))),
    ),
    h("div", { class: "registry-credentials" }, credentialsState(registry)),
    registry.type === "NODION" ? h("div", { class: "registry-verification" }) : verificationState(registry),
    h("div", { class: "registry-actions" }, actions),
    registry.type === "NODION" && registry.credentialsCreatedAt ? tokensSection(registry, { canChange: CAN_CHANGE.includes(role), reload }) : null,
    registry.type === "NODION" ? publishersSection(registry, { canChange: CAN_CHANGE.includes(role), reload, namespace: state.project.namespace }) : null,
  );
}

function fact(label, value) {
  return [h("dt", {}, label), h("dd", {}, value)];
}

function credentialsState(registry) {
  if (registry.hasCredentials) {
    return [
      h("div", { class: "label" }, "Credentials"),
      h(
        "dl",
        { class: "facts" },
        registry.username ? fact("Username", h("span", { class: "mono" }, registry.username)) : null,
        fact("Token", h("span", { class: "mono token-hint", dataset: { tokenHint: registry.tokenHint } }, `····${registry.tokenHint}`)),
        fact("Created", time(registry.credentialsCreatedAt)),
        fact("Updated", time(registry.credentialsUpdatedAt)),
        fact("Last used", time(registry.lastUsedAt)),
      ),
    ];
  }
  if (registry.anonymous) return [h("div", { class: "label" }, "Credentials"), h("div", {}, "None: public images are pulled anonymously")];
  return [h("div", { class: "label" }, "Credentials"), h("div", { class: "muted" }, "Not generated yet"), registry.type === "NODION" ? h("p", { class: "muted small" }, "Generate them to push from a pipeline.") : null];
}

function verificationState(registry) {
  return h(
    "div",
    { class: "registry-verification" },
    h("div", { class: "label" }, "Verification"),
    registry.verificationStatus ? statusPill(registry.verificationStatus) : h("span", { class: "muted" }, "Not checked"),
    registry.verificationMessage ? h("p", { class: "verification-message" }, registry.verificationMessage) : null,
    registry.lastVerifiedAt ? h("p", { class: "muted small" }, "Checked ", time(registry.lastVerifiedAt)) : null,
  );
}

async function generate(button, registry, { reload, pageAlert }) {
  showAlert(pageAlert, "");
  await busy(button, async () => {
    const data = await graphql(GENERATE_CREDENTIALS, { id: registry.id });
    const result = data.generateCredentials;
    if (isError(result)) {
      showAlert(pageAlert, result.message);
      return;
    }
    // The token goes to the dialog and nowhere else; the list is reloaded
    // from the server, which only ever answers tokenHint.
    showCredentialsOnce(result.credentials, () => reload());
  });
}

async function verify(button, registry, { reload, pageAlert }) {
  showAlert(pageAlert, "");
  await busy(button, async () => {
    const { verifyRegistry: result } = await graphql(VERIFY_REGISTRY, { id: registry.id });
    if (isError(result)) {
      showAlert(pageAlert, result.message);
      return;
    }
    await reload(`${registry.name}: ${result.message}`);
  });
}
