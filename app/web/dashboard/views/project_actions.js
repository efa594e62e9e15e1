// Rename and delete a project (ADMIN). Deleting asks for the project's name
// typed out: it revokes every token of the project at once and cannot be undone.
import { graphql, isError } from "../api.js";
import { DELETE_PROJECT, RENAME_PROJECT } from "../documents.js";
import { alertBox, h, showAlert } from "../dom.js";
import { openDialog } from "../ui/dialog.js";
import { busy, clearErrors, field, setFieldError } from "../ui/forms.js";

export const CAN_MANAGE = ["ADMIN"];

export function openRenameProject(project, onRenamed) {
  const name = field({ label: "Project name", name: "name", required: true, value: project.name, hint: "The namespace stays " + project.namespace + ": image paths and tokens keep working." });
  const formAlert = alertBox();
  const submit = h("button", { type: "submit", class: "button primary" }, "Rename");
  const cancel = h("button", { type: "button", class: "button", onclick: () => handle.close() }, "Cancel");
  const form = h("form", { class: "stacked-form", novalidate: true }, name.wrapper, formAlert, h("div", { class: "dialog-actions" }, cancel, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors({ name });
    showAlert(formAlert, "");
    await busy(submit, async () => {
      const { renameProject: result } = await graphql(RENAME_PROJECT, { id: project.id, name: name.input.value });
      if (!isError(result)) {
        handle.close();
        onRenamed(result.project);
        return;
      }
      if (result.field === "name") {
        setFieldError(name, result.message);
        name.input.focus();
      } else showAlert(formAlert, result.message);
    });
  });
  const handle = openDialog({ title: `Rename ${project.name}`, body: form, className: "form-dialog" });
  name.input.select();
}

export function openDeleteProject(project, onDeleted) {
  const typed = field({ label: `Type ${project.name} to confirm`, name: "confirm", required: true, autocomplete: "off" });
  const force = field({ label: "Also delete its applications and their deployments", name: "force", type: "checkbox", value: false });
  const formAlert = alertBox();
  const submit = h("button", { type: "submit", class: "button danger", disabled: true }, "Delete project");
  const cancel = h("button", { type: "button", class: "button", onclick: () => handle.close() }, "Cancel");
  typed.input.addEventListener("input", () => {
    submit.disabled = typed.input.value !== project.name;
  });
  const form = h(
    "form",
    { class: "stacked-form", novalidate: true },
    h("p", {}, "Its registries are removed, and every registry token and deploy credential of the project stops working at once. Its namespace ", h("code", {}, project.namespace), " is not given to another project for 30 days; the audit trail is kept for operators. This cannot be undone."),
    typed.wrapper,
    force.wrapper,
    formAlert,
    h("div", { class: "dialog-actions" }, cancel, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (typed.input.value !== project.name) return;
    showAlert(formAlert, "");
    await busy(submit, async () => {
      const { deleteProject: result } = await graphql(DELETE_PROJECT, { id: project.id, force: force.input.checked });
      if (!isError(result)) {
        handle.close();
        onDeleted();
        return;
      }
      showAlert(formAlert, result.message);
      // Refused because applications exist: the checkbox is the way on.
      if (result.__typename === "ConflictError") force.input.focus();
    });
  });
  const handle = openDialog({ title: `Delete ${project.name}?`, body: form, className: "form-dialog" });
  cancel.focus();
}
