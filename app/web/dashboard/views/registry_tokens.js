// The Tokens section of a Nodion registry's card: its access tokens, one row
// per token (name, scope, status, hint, its previous secret while a rotation's
// grace period lasts, created by, expires, last used) and, for admins, create,
// rotate (with a grace period) and revoke (every secret of the token at once). A new token is shown once, in the
// one-time credentials dialog; this section never holds a secret.
import { graphql, isError } from "../api.js";
import { CREATE_REGISTRY_TOKEN, REGISTRY_TOKENS, REVOKE_REGISTRY_TOKEN, ROTATE_REGISTRY_TOKEN } from "../documents.js";
import { alertBox, h, replace, showAlert, time } from "../dom.js";
import { confirmDialog, openDialog } from "../ui/dialog.js";
import { busy, clearErrors, field, setFieldError } from "../ui/forms.js";
import { showCredentialsOnce } from "./credentials.js";

const DAY = 24 * 3600;
const REMINDER_DAYS = 7;
const EXPIRY_CHOICES = [
  { value: "", label: "Never" },
  { value: String(DAY), label: "1 day" },
  { value: String(7 * DAY), label: "7 days" },
  { value: String(30 * DAY), label: "30 days" },
  { value: String(90 * DAY), label: "90 days" },
  { value: String(365 * DAY), label: "1 year" },
];
const GRACE_CHOICES = [
  { value: "0", label: "None: the old token stops now" },
  { value: "3600", label: "1 hour" },
  { value: String(DAY), label: "1 day" },
  { value: String(7 * DAY), label: "7 days" },
];

// The section for one registry card; `canChange`: the viewer is an admin.
export function tokensSection(registry, { canChange, reload }) {
  const body = h("div", { class: "token-list", "aria-live": "polite" }, h("p", { class: "muted small" }, "Loading tokens…"));
  const alert = alertBox();
  const section = h(
    "section",
    { class: "registry-tokens", dataset: { tokensOf: registry.id }, "aria-label": `Tokens of ${registry.name}` },
    h(
      "div",
      { class: "tokens-header" },
      h("h4", {}, "Tokens"),
      canChange ? h("button", { type: "button", class: "button small", onclick: () => openCreateToken(registry, changed) }, "New token") : null,
    ),
    alert,
    body,
  );

  async function load() {
    const data = await graphql(REGISTRY_TOKENS, { id: registry.id, first: 50, includeInactive: false });
    const tokens = (data.node?.tokens.edges || []).map((edge) => edge.node);
    replace(body, tokens.length ? tokenTable(tokens) : h("p", { class: "muted small" }, "No working tokens."));
  }

  // After a change the whole page is read again (hasCredentials, tokenHint).
  function changed(message) {
    reload(message);
  }

  function tokenTable(tokens) {
    return h(
      "table",
      { class: "tokens-table" },
      h("thead", {}, h("tr", {}, ["Name", "Scope", "Status", "Token", "Previous secret", "Created by", "Expires", "Last used", ""].map((title) => h("th", { scope: "col" }, title)))),
      h("tbody", {}, tokens.map((token) => tokenRow(token))),
    );
  }

  function tokenRow(token) {
    const actions = [];
    if (canChange && token.status === "ACTIVE") {
      actions.push(h("button", { type: "button", class: "button small", onclick: () => openRotateToken(token, changed) }, "Rotate"));
    }
    if (canChange) {
      actions.push(h("button", { type: "button", class: "button small danger-text", onclick: (event) => revoke(event.currentTarget, token) }, "Revoke"));
    }
    return h(
      "tr",
      { dataset: { tokenId: token.id, tokenName: token.name, status: token.status } },
      h("td", {}, token.name),
      h("td", {}, h("span", { class: "pill" }, token.scope)),
      h("td", {}, h("span", { class: `pill token-status ${token.status.toLowerCase()}` }, token.status)),
      h("td", { class: "mono" }, `····${token.tokenHint}`),
      h("td", { class: "token-grace" }, previousSecret(token)),
      h("td", {}, token.createdBy || h("span", { class: "muted" }, "unknown")),
      h("td", { class: "token-expires" }, expiry(token)),
      h("td", {}, time(token.lastUsedAt)),
      h("td", { class: "token-actions" }, actions),
    );
  }

  async function revoke(button, token) {
    const secrets = graceLasts(token) ? `····${token.tokenHint} and its previous secret ····${token.graceTokenHint}, still in its grace period,` : `····${token.tokenHint}`;
    const confirmed = await confirmDialog({
      title: `Revoke token ${token.name}?`,
      message: `The ${token.scope} token ${token.name} (${secrets}) stops working at once, everywhere; pipelines and pulls that use it will fail. This cannot be undone.`,
      confirmLabel: `Revoke ${token.name}`,
    });
    if (!confirmed) return;
    showAlert(alert, "");
    await busy(button, async () => {
      const { revokeRegistryToken: result } = await graphql(REVOKE_REGISTRY_TOKEN, { id: token.id });
      if (isError(result)) {
        showAlert(alert, result.message);
        return;
      }
      const alsoStopped = result.revokedWithIt.map((other) => ` and ····${other.tokenHint}`).join("");
      changed(`Token ${token.name} revoked: ····${result.token.tokenHint}${alsoStopped} stop${alsoStopped ? "" : "s"} working now.`);
    });
  }

  load().catch((error) => {
    showAlert(alert, error.message || "The tokens could not be loaded.");
    replace(body);
  });
  return section;
}

function graceLasts(token) {
  return Boolean(token.graceEndsAt) && new Date(token.graceEndsAt).getTime() > Date.now();
}

// The secret a rotation replaced, while its grace period lasts.
function previousSecret(token) {
  if (!graceLasts(token)) return h("span", { class: "muted" }, "none");
  return h("span", { class: "mono", title: new Date(token.graceEndsAt).toLocaleString() }, `····${token.graceTokenHint} until `, time(token.graceEndsAt));
}

// "expires in N days" within a week; the date otherwise; "never".
export function expiry(token) {
  if (!token.expiresAt) return h("span", { class: "muted" }, "never");
  const left = (new Date(token.expiresAt).getTime() - Date.now()) / 1000;
  if (left > 0 && left < REMINDER_DAYS * DAY) {
    const days = Math.floor(left / DAY);
    const text = days >= 1 ? `expires in ${days} day${days === 1 ? "" : "s"}` : `expires in ${Math.max(1, Math.floor(left / 3600))} h`;
    return h("span", { class: "pill warning", title: new Date(token.expiresAt).toLocaleString() }, text);
  }
  return time(token.expiresAt);
}

function openCreateToken(registry, onCreated) {
  const fields = {
    name: field({ label: "Name", name: "name", required: true, placeholder: "ci or deploys", hint: "Up to 64 characters, unique among this registry's active tokens." }),
    scope: field({
      label: "Scope",
      name: "scope",
      required: true,
      value: "PULL",
      options: [
        { value: "PULL", label: "Pull only" },
        { value: "PUSH", label: "Push and pull" },
      ],
    }),
    expiresIn: field({ label: "Expires", name: "expiresIn", required: true, value: String(90 * DAY), options: EXPIRY_CHOICES }),
  };
  const formAlert = alertBox();
  const submit = h("button", { type: "submit", class: "button primary" }, "Create token");
  const cancel = h("button", { type: "button", class: "button", onclick: () => handle.close() }, "Cancel");
  const form = h(
    "form",
    { class: "stacked-form", novalidate: true },
    h("p", { class: "muted" }, "A new access token for ", h("code", {}, registry.hostname), ". It is shown once."),
    Object.values(fields).map((f) => f.wrapper),
    formAlert,
    h("div", { class: "dialog-actions" }, cancel, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(fields);
    showAlert(formAlert, "");
    const expiresIn = fields.expiresIn.input.value;
    const input = {
      registryId: registry.id,
      name: fields.name.input.value,
      scope: fields.scope.input.value,
      expiresIn: expiresIn ? Number(expiresIn) : null,
    };
    await busy(submit, async () => {
      const { createRegistryToken: result } = await graphql(CREATE_REGISTRY_TOKEN, { input });
      if (isError(result)) {
        if (result.field && fields[result.field]) setFieldError(fields[result.field], result.message);
        else showAlert(formAlert, result.message);
        return;
      }
      handle.close();
      const name = result.token.name;
      showCredentialsOnce(result.credentials, () => onCreated(`Token ${name} created.`), { title: `Token ${name}` });
    });
  });
  const handle = openDialog({ title: `New token for ${registry.name}`, body: form, className: "form-dialog" });
  fields.name.input.focus();
}

function openRotateToken(token, onRotated) {
  const older = graceLasts(token)
    ? h("p", { class: "warning-text token-older-grace" }, "Its previous secret ····", token.graceTokenHint, ", still in the grace period of an earlier rotation, stops working now: a token keeps one previous secret at a time.")
    : null;
  const grace = field({ label: "Keep the old token working for", name: "gracePeriod", required: true, value: "3600", options: GRACE_CHOICES, hint: "Time to move your pipelines to the new token." });
  const formAlert = alertBox();
  const submit = h("button", { type: "submit", class: "button primary" }, "Rotate token");
  const cancel = h("button", { type: "button", class: "button", onclick: () => handle.close() }, "Cancel");
  const form = h(
    "form",
    { class: "stacked-form", novalidate: true },
    h("p", { class: "muted" }, "A new ", token.scope, " token named ", h("strong", {}, token.name), " replaces ····", token.tokenHint, ", with the same expiry length."),
    older,
    grace.wrapper,
    formAlert,
    h("div", { class: "dialog-actions" }, cancel, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setFieldError(grace, "");
    showAlert(formAlert, "");
    const input = { tokenId: token.id, gracePeriod: Number(grace.input.value) };
    await busy(submit, async () => {
      const { rotateRegistryToken: result } = await graphql(ROTATE_REGISTRY_TOKEN, { input });
      if (isError(result)) {
        if (result.field === "gracePeriod") setFieldError(grace, result.message);
        else showAlert(formAlert, result.message);
        return;
      }
      handle.close();
      const ended = result.graceEnded.map((old) => ` Its previous secret ····${old.tokenHint} stopped working now.`).join("");
      showCredentialsOnce(result.credentials, () => onRotated(`Token ${token.name} rotated.${ended}`), { title: `Token ${token.name} (rotated)` });
    });
  });
  const handle = openDialog({ title: `Rotate token ${token.name}`, body: form, className: "form-dialog" });
  grace.input.focus();
}
