// Sign in by pasting an API token; the token is checked with `viewer` before
// it is kept (in sessionStorage, see session.js).
import { graphql, SignedOut } from "../api.js";
import { VIEWER } from "../documents.js";
import { h, replace } from "../dom.js";
import { busy, field, setFieldError } from "../ui/forms.js";
import * as session from "../session.js";

export function renderSignIn(root, shell, message) {
  const tokenField = field({
    label: "API token",
    name: "token",
    type: "password",
    required: true,
    placeholder: "nat_…",
    hint: "Create one with: nodion admin create-token you@example.com",
  });
  const submit = h("button", { type: "submit", class: "button primary wide" }, "Sign in");
  const form = h(
    "form",
    { class: "card signin", novalidate: true },
    h("h1", {}, "Sign in to Nodion"),
    h("p", { class: "muted" }, "Paste an API token. It is kept in this browser tab only and forgotten when you close it."),
    message ? h("p", { class: "callout" }, message) : null,
    tokenField.wrapper,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = tokenField.input.value.trim();
    if (!value) {
      setFieldError(tokenField, "Paste your API token.");
      tokenField.input.focus();
      return;
    }
    await busy(submit, async () => {
      try {
        await graphql(VIEWER, {}, value);
      } catch (error) {
        setFieldError(tokenField, error instanceof SignedOut ? "That token was not accepted. Check that you pasted the whole nat_… token." : error.message);
        tokenField.input.focus();
        return;
      }
      session.signIn(value);
      tokenField.input.value = "";
      shell.go("#/");
    });
  });
  replace(root, h("div", { class: "centered" }, form));
  tokenField.input.focus();
}
