// The one-time credentials dialog. The token exists in the page only while
// this dialog is open: on close the inputs are emptied and the dialog element
// is removed, and no variable outside this function keeps the values.
import { h } from "../dom.js";
import { openDialog } from "../ui/dialog.js";

export function showCredentialsOnce(credentials, onClosed, { title = "Registry credentials" } = {}) {
  const rows = [
    ["Hostname", credentials.hostname, "hostname"],
    ["Username", credentials.username, "username"],
    ["Token", credentials.token, "token"],
    ["Log in with", credentials.dockerLogin, "dockerLogin"],
  ].map(([label, value, name]) => copyRow(label, value, name));
  const done = h("button", { type: "button", class: "button primary", onclick: () => handle.close() }, "I have copied the token");
  const handle = openDialog({
    title,
    className: "credentials-dialog",
    body: [
      h("p", { class: "callout warning", role: "note" }, h("strong", {}, "Copy the token now. "), "Nodion shows it this once and cannot show it again. To replace it, rotate it in the registry's Tokens section."),
      h("div", { class: "copy-rows" }, rows.map((row) => row.element)),
      h("p", { class: "muted small" }, "Pipe the token to docker login on standard input, e.g. from your CI's secret store: ", h("code", {}, 'echo "$TOKEN" | docker login …')),
    ],
    actions: [done],
    onClose: () => {
      for (const row of rows) row.wipe();
      rows.length = 0;
      onClosed?.();
    },
  });
  done.focus();
}

function copyRow(label, value, name) {
  const id = `credential-${name}`;
  // The login line is long: a read-only textarea shows all of it, one option a
  // line (shell line continuations, so it still pastes as one command), and
  // never wraps by itself: a wrap inside `--password-stdin` reads as two words.
  const attributes = { id, class: "mono", readonly: true, spellcheck: "false", autocomplete: "off", dataset: { credential: name } };
  const shown = name === "dockerLogin" ? value.split(" --").join(" \\\n    --") : value;
  const input = name === "dockerLogin" ? h("textarea", { ...attributes, rows: shown.split("\n").length, wrap: "off" }) : h("input", { ...attributes, type: "text" });
  input.value = shown;
  const status = h("span", { class: "copy-status", role: "status" });
  const button = h(
    "button",
    {
      type: "button",
      class: "button small",
      "aria-label": `Copy ${label.toLowerCase()}`,
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(input.value);
          status.textContent = "Copied";
        } catch {
          // No clipboard permission (e.g. plain http on another host): select it for Ctrl+C.
          input.focus();
          input.select();
          status.textContent = "Selected: press Ctrl+C";
        }
      },
    },
    "Copy",
  );
  const element = h("div", { class: "copy-row" }, h("label", { for: id }, label), h("div", { class: "copy-field" }, input, button, status));
  return {
    element,
    wipe() {
      input.value = "";
    },
  };
}
