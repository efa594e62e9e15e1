// Modal dialogs on the native <dialog> element: focus is trapped, Escape
// closes, and the element is removed from the page when it closes.
import { h } from "../dom.js";

let nextId = 0;

export function openDialog({ title, body, actions = [], className = "", onClose }) {
  const titleId = `dialog-title-${++nextId}`;
  const opener = document.activeElement;
  const dialog = h(
    "dialog",
    { class: `dialog ${className}`, "aria-labelledby": titleId },
    h(
      "header",
      { class: "dialog-header" },
      h("h2", { id: titleId }, title),
      h("button", { type: "button", class: "icon-button", "aria-label": "Close dialog", onclick: () => close() }, "×"),
    ),
    h("div", { class: "dialog-body" }, body),
    actions.length ? h("footer", { class: "dialog-actions" }, actions) : null,
  );
  function close() {
    if (dialog.open) dialog.close();
  }
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    onClose?.();
  });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close };
}

// Resolves true when the user confirms, false when they cancel or press Escape.
export function confirmDialog({ title, message, confirmLabel, danger = true }) {
  return new Promise((resolve) => {
    let confirmed = false;
    const confirm = h(
      "button",
      { type: "button", class: danger ? "button danger" : "button primary", onclick: () => { confirmed = true; handle.close(); } },
      confirmLabel,
    );
    const cancel = h("button", { type: "button", class: "button", onclick: () => handle.close() }, "Cancel");
    const handle = openDialog({
      title,
      body: h("p", {}, message),
      actions: [cancel, confirm],
      className: "dialog-small",
      onClose: () => resolve(confirmed),
    });
    cancel.focus();
  });
}
