// Labelled form fields whose errors sit next to them and are announced.
import { h } from "../dom.js";

let nextId = 0;

export function field({ label, name, type = "text", value = "", hint, required, readonly, autocomplete, placeholder, options, rows }) {
  const id = `field-${name}-${++nextId}`;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const common = {
    id,
    name,
    required,
    readonly,
    placeholder,
    autocomplete: autocomplete || "off",
    "aria-describedby": [hintId, errorId].filter(Boolean).join(" "),
  };
  let input;
  if (options) {
    input = h("select", common, options.map((option) => h("option", { value: option.value, selected: option.value === value }, option.label)));
  } else if (type === "textarea") {
    input = h("textarea", { ...common, rows: rows || 4, spellcheck: "false" });
    input.value = value;
  } else if (type === "checkbox") {
    input = h("input", { ...common, type, checked: Boolean(value) });
  } else {
    input = h("input", { ...common, type, value, spellcheck: "false" });
  }
  const error = h("p", { class: "field-error", id: errorId, role: "alert" });
  const labelElement = h("label", { for: id }, label, required ? null : type === "checkbox" ? null : h("span", { class: "optional" }, " (optional)"));
  const wrapper =
    type === "checkbox"
      ? h("div", { class: "field field-checkbox", dataset: { field: name } }, input, labelElement, hint ? h("p", { class: "hint", id: hintId }, hint) : null, error)
      : h("div", { class: "field", dataset: { field: name } }, labelElement, input, hint ? h("p", { class: "hint", id: hintId }, hint) : null, error);
  return { wrapper, input, error };
}

export function setFieldError(fieldParts, message) {
  fieldParts.error.textContent = message || "";
  fieldParts.wrapper.classList.toggle("has-error", Boolean(message));
  fieldParts.input.setAttribute("aria-invalid", message ? "true" : "false");
}

export function clearErrors(fields) {
  for (const parts of Object.values(fields)) setFieldError(parts, "");
}

// A button that shows it is busy and cannot be pressed twice meanwhile.
export async function busy(button, work) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = "Working…";
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = label;
  }
}
