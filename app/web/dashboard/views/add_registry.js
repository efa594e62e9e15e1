// Add Registry: pick a provider; the hostname is filled in and locked for
// providers that have one; errors appear next to the field they concern.
import { graphql, isError } from "../api.js";
import { ADD_REGISTRY } from "../documents.js";
import { alertBox, h, showAlert } from "../dom.js";
import { openDialog } from "../ui/dialog.js";
import { busy, clearErrors, field, setFieldError } from "../ui/forms.js";
import { reachabilityMessage, verificationField } from "./registry_labels.js";

export function openAddRegistry(state, onAdded) {
  const providers = state.providers;
  const fields = {
    type: field({ label: "Provider", name: "type", required: true, options: providers.map((p) => ({ value: p.type, label: p.displayName })), value: providers.find((p) => p.type === "DOCKER_HUB")?.type }),
    region: field({ label: "Region", name: "region", required: true, options: state.regions.map((r) => ({ value: r.slug, label: `${r.name} (${r.registryHostname})` })) }),
    name: field({ label: "Name", name: "name", hint: "Shown in the dashboard; defaults to the provider's name." }),
    hostname: field({ label: "Hostname", name: "hostname", required: true, placeholder: "registry.example.com[:port]" }),
    username: field({ label: "Username", name: "username", autocomplete: "off" }),
    token: field({ label: "Access token or password", name: "token", type: "password", autocomplete: "new-password", hint: "A token with read access is enough. Leave username and token empty for public images." }),
    caCertificate: field({ label: "CA certificate (PEM)", name: "caCertificate", type: "textarea", hint: "Only for a registry whose certificate is signed by a private CA." }),
    verify: field({ label: "Check the registry and credentials before saving", name: "verify", type: "checkbox", value: true }),
  };
  const formAlert = alertBox();
  const submit = h("button", { type: "submit", class: "button primary" }, "Add registry");
  const cancel = h("button", { type: "button", class: "button", onclick: () => handle.close() }, "Cancel");
  const form = h("form", { class: "stacked-form", novalidate: true }, Object.values(fields).map((f) => f.wrapper), formAlert, h("div", { class: "dialog-actions" }, cancel, submit));

  function provider() {
    return providers.find((p) => p.type === fields.type.input.value);
  }
  function adapt() {
    const chosen = provider();
    const nodion = chosen.type === "NODION";
    fields.region.wrapper.hidden = !nodion;
    for (const name of ["hostname", "username", "token", "verify"]) fields[name].wrapper.hidden = nodion;
    fields.caCertificate.wrapper.hidden = chosen.type !== "CUSTOM";
    const locked = Boolean(chosen.defaultHostname);
    fields.hostname.input.readOnly = locked;
    fields.hostname.input.value = locked ? chosen.defaultHostname : fields.hostname.input.dataset.typed || "";
    fields.hostname.wrapper.classList.toggle("locked", locked);
    clearErrors(fields);
    showAlert(formAlert, "");
  }
  fields.hostname.input.addEventListener("input", () => {
    if (!fields.hostname.input.readOnly) fields.hostname.input.dataset.typed = fields.hostname.input.value;
  });
  fields.type.input.addEventListener("change", adapt);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(fields);
    showAlert(formAlert, "");
    const chosen = provider();
    const input = { projectId: state.project.id, type: chosen.type, name: fields.name.input.value.trim() || null };
    if (chosen.type === "NODION") {
      input.region = fields.region.input.value;
    } else {
      input.hostname = chosen.defaultHostname ? null : fields.hostname.input.value.trim();
      input.username = fields.username.input.value.trim() || null;
      input.token = fields.token.input.value || null;
      input.verify = fields.verify.input.checked;
      if (chosen.type === "CUSTOM") input.caCertificate = fields.caCertificate.input.value.trim() || null;
    }
    await busy(submit, async () => {
      const { addRegistry: result } = await graphql(ADD_REGISTRY, { input });
      if (!isError(result)) {
        fields.token.input.value = "";
        handle.close();
        onAdded(result.registry);
        return;
      }
      const failedCheck = result.__typename === "RegistryVerificationError";
      const target = failedCheck ? verificationField(result.status, chosen.type, Boolean(chosen.defaultHostname)) : result.field;
      if (failedCheck && !target) {
        showAlert(formAlert, reachabilityMessage(chosen, result.status));
      } else if (target && fields[target] && !fields[target].wrapper.hidden && !fields[target].input.readOnly) {
        setFieldError(fields[target], result.message);
        fields[target].input.focus();
      } else {
        showAlert(formAlert, result.message);
      }
    });
  });

  const handle = openDialog({ title: "Add registry", body: form, className: "form-dialog", onClose: () => { fields.token.input.value = ""; } });
  adapt();
  fields.type.input.focus();
}
