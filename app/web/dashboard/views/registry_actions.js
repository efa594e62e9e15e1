// Update credentials, Check image and Remove for one registry.
import { graphql, isError } from "../api.js";
import { CHECK_IMAGE, REMOVE_REGISTRY, UPDATE_CREDENTIALS } from "../documents.js";
import { alertBox, h, replace, showAlert } from "../dom.js";
import { confirmDialog, openDialog } from "../ui/dialog.js";
import { busy, clearErrors, field, setFieldError } from "../ui/forms.js";
import { statusPill, verificationField } from "./registry_labels.js";

export function openUpdateCredentials(registry, onUpdated) {
  const fields = {
    username: field({ label: "Username", name: "username", value: registry.username || "" }),
    token: field({ label: "New access token or password", name: "token", type: "password", autocomplete: "new-password", hint: "Replaces the stored one, which is then gone. Leave both empty to pull anonymously." }),
    verify: field({ label: "Check the new credentials before saving", name: "verify", type: "checkbox", value: true }),
  };
  const formAlert = alertBox();
  const submit = h("button", { type: "submit", class: "button primary" }, "Save credentials");
  const cancel = h("button", { type: "button", class: "button", onclick: () => handle.close() }, "Cancel");
  const form = h(
    "form",
    { class: "stacked-form", novalidate: true },
    h("p", { class: "muted" }, "Registry ", h("strong", {}, registry.name), " at ", h("code", {}, registry.hostname)),
    Object.values(fields).map((f) => f.wrapper),
    formAlert,
    h("div", { class: "dialog-actions" }, cancel, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(fields);
    showAlert(formAlert, "");
    const input = {
      registryId: registry.id,
      username: fields.username.input.value.trim() || null,
      token: fields.token.input.value || null,
      verify: fields.verify.input.checked,
    };
    await busy(submit, async () => {
      const { updateCredentials: result } = await graphql(UPDATE_CREDENTIALS, { input });
      if (!isError(result)) {
        handle.close();
        onUpdated(result.registry);
        return;
      }
      const target = result.__typename === "RegistryVerificationError" ? verificationField(result.status, registry.type) : result.field;
      if (fields[target]) setFieldError(fields[target], result.message);
      else showAlert(formAlert, result.message);
    });
  });
  const handle = openDialog({ title: "Update credentials", body: form, className: "form-dialog", onClose: () => { fields.token.input.value = ""; } });
  fields.username.input.focus();
}

export function openCheckImage(registry) {
  const fields = {
    image: field({ label: "Image", name: "image", required: true, placeholder: registry.type === "DOCKER_HUB" ? "nginx or library/nginx" : "team/app" }),
    tag: field({ label: "Tag", name: "tag", required: true, value: "latest" }),
  };
  const result = h("div", { class: "check-result", "aria-live": "polite" });
  const formAlert = alertBox();
  const submit = h("button", { type: "submit", class: "button primary" }, "Check");
  const close = h("button", { type: "button", class: "button", onclick: () => handle.close() }, "Close");
  const form = h("form", { class: "stacked-form", novalidate: true }, h("p", { class: "muted" }, "Does ", h("code", {}, registry.hostname), " have this image? Nodion asks with the stored credentials."), fields.image.wrapper, fields.tag.wrapper, formAlert, result, h("div", { class: "dialog-actions" }, close, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(fields);
    showAlert(formAlert, "");
    replace(result);
    await busy(submit, async () => {
      const { checkImage: answer } = await graphql(CHECK_IMAGE, { id: registry.id, image: fields.image.input.value.trim(), tag: fields.tag.input.value.trim() || "latest" });
      if (isError(answer)) {
        if (answer.field && fields[answer.field]) setFieldError(fields[answer.field], answer.message);
        else showAlert(formAlert, answer.message);
        return;
      }
      replace(result, statusPill(answer.status), " ", answer.message, answer.digest ? h("div", { class: "mono small digest" }, answer.digest) : null);
    });
  });
  const handle = openDialog({ title: `Check an image in ${registry.name}`, body: form, className: "form-dialog" });
  fields.image.input.focus();
}

export async function removeRegistry(registry, { reload, pageAlert }) {
  const consequence =
    registry.type === "NODION"
      ? "Its token stops working at once; pipelines that push with it will fail."
      : "Its stored credentials are deleted; applications that pull from it will fail to deploy.";
  const confirmed = await confirmDialog({ title: `Remove ${registry.name}?`, message: `${registry.hostname}. ${consequence} This cannot be undone.`, confirmLabel: "Remove registry" });
  if (!confirmed) return;
  showAlert(pageAlert, "");
  const { removeRegistry: result } = await graphql(REMOVE_REGISTRY, { id: registry.id });
  if (isError(result)) {
    showAlert(pageAlert, result.message);
    return;
  }
  await reload(`${registry.name} removed.`);
}
