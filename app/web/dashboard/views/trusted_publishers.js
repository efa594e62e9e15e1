// The Trusted publishers section of a Nodion registry's card: the CI
// identities (GitHub Actions, GitLab CI, another OIDC issuer) whose OIDC token
// pushes here with no stored secret. Admins add one with a form per provider
// that shows the CI snippet to paste, and remove one (its credentials stop at
// once). Nothing here is a secret. A CI names the project it pushes to (its
// namespace): only that project's publishers are ever compared with its token.
import { graphql, isError } from "../api.js";
import { ADD_TRUSTED_PUBLISHER, REMOVE_TRUSTED_PUBLISHER, TRUSTED_PUBLISHERS } from "../documents.js";
import { alertBox, h, replace, showAlert, time } from "../dom.js";
import { confirmDialog, openDialog } from "../ui/dialog.js";
import { busy, clearErrors, field, setFieldError } from "../ui/forms.js";

// The input fields each provider takes (the API refuses the others).
const PROVIDER_FIELDS = {
  GITHUB_ACTIONS: ["repository", "workflow", "environment", "ref"],
  GITLAB: ["issuer", "projectPath", "ref", "refType", "environment"],
  CUSTOM_OIDC: ["issuer", "subject"],
};
// Built-in providers' issuers: a custom publisher may not take them (the API
// refuses; said here before the form is sent).
const BUILT_IN_ISSUERS = { "https://token.actions.githubusercontent.com": "GitHub Actions", "https://gitlab.com": "GitLab CI" };
const PROVIDER_LABELS = { GITHUB_ACTIONS: "GitHub Actions", GITLAB: "GitLab CI", CUSTOM_OIDC: "Other OIDC issuer" };

export function publishersSection(registry, { canChange, reload, namespace }) {
  const body = h("div", { class: "publisher-list", "aria-live": "polite" }, h("p", { class: "muted small" }, "Loading trusted publishers…"));
  const alert = alertBox();
  const section = h(
    "section",
    { class: "registry-publishers", dataset: { publishersOf: registry.id }, "aria-label": `Trusted publishers of ${registry.name}` },
    h(
      "div",
      { class: "tokens-header" },
      h("h4", {}, "Trusted publishers"),
      canChange ? h("button", { type: "button", class: "button small", onclick: () => openAddPublisher(registry, namespace, reload) }, "Add publisher") : null,
    ),
    alert,
    body,
  );

  async function load() {
    const data = await graphql(TRUSTED_PUBLISHERS, { id: registry.id });
    const publishers = data.node?.trustedPublishers || [];
    replace(body, publishers.length ? table(publishers) : h("p", { class: "muted small" }, "No trusted publishers: CI jobs push with access tokens only."));
  }

  function table(publishers) {
    return h(
      "table",
      { class: "tokens-table" },
      h("thead", {}, h("tr", {}, ["Provider", "Conditions", "Pushes to", "Last used", ""].map((title) => h("th", { scope: "col" }, title)))),
      h(
        "tbody",
        {},
        publishers.map((publisher) =>
          h(
            "tr",
            { dataset: { publisherId: publisher.id, provider: publisher.provider } },
            h("td", {}, PROVIDER_LABELS[publisher.provider] || publisher.provider),
            h(
              "td",
              { class: "mono small" },
              publisher.conditions.map((c) => h("div", {}, `${c.claim} = ${c.value}`)),
              // Stored before every publisher had to bind an identity: kept, matches nothing.
              publisher.problem ? h("p", { class: "field-error small", role: "note" }, publisher.problem) : null,
            ),
            h("td", { class: "mono small" }, publisher.repositories.join(", ")),
            h("td", {}, time(publisher.lastUsedAt)),
            h("td", { class: "token-actions" }, canChange ? h("button", { type: "button", class: "button small danger-text", onclick: (event) => remove(event.currentTarget, publisher) }, "Remove") : null),
          ),
        ),
      ),
    );
  }

  async function remove(button, publisher) {
    const confirmed = await confirmDialog({
      title: "Remove this trusted publisher?",
      message: `CI jobs of ${PROVIDER_LABELS[publisher.provider]} (${publisher.conditions.map((c) => c.value).join(", ")}) can no longer push here; the credentials they were given stop at once.`,
      confirmLabel: "Remove publisher",
    });
    if (!confirmed) return;
    showAlert(alert, "");
    await busy(button, async () => {
      const { removeTrustedPublisher: result } = await graphql(REMOVE_TRUSTED_PUBLISHER, { id: publisher.id });
      if (isError(result)) {
        showAlert(alert, result.message);
        return;
      }
      reload("Trusted publisher removed.");
    });
  }

  load().catch((error) => {
    showAlert(alert, error.message || "The trusted publishers could not be loaded.");
    replace(body);
  });
  return section;
}

// What to paste into the CI: it asks for an OIDC token for the registry's
// hostname and logs in with it as the password of `oidc/<namespace>` (docker
// login asks for no repository, so the username names the project), or trades
// it at the exchange, which takes the namespace too.
export function ciSnippet(provider, hostname, namespace) {
  const login = `oidc/${namespace}`;
  if (provider === "GITHUB_ACTIONS") {
    return [
      "permissions:",
      "  id-token: write",
      "  contents: read",
      "steps:",
      "  - uses: actions/checkout@v4",
      "  - name: Log in to Nodion with the job's OIDC token",
      "    run: |",
      `      ID_TOKEN=$(curl -sSf -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=${hostname}" | jq -r .value)`,
      `      echo "$ID_TOKEN" | docker login -u ${login} --password-stdin ${hostname}`,
      `  - run: docker build -t ${hostname}/${namespace}/app:$GITHUB_REF_NAME . && docker push ${hostname}/${namespace}/app:$GITHUB_REF_NAME`,
    ].join("\n");
  }
  if (provider === "GITLAB") {
    return [
      "push:",
      "  id_tokens:",
      "    NODION_ID_TOKEN:",
      `      aud: ${hostname}`,
      "  script:",
      `    - echo "$NODION_ID_TOKEN" | docker login -u ${login} --password-stdin ${hostname}`,
      `    - docker build -t ${hostname}/${namespace}/app:$CI_COMMIT_REF_SLUG . && docker push ${hostname}/${namespace}/app:$CI_COMMIT_REF_SLUG`,
    ].join("\n");
  }
  return [
    `# Request an OIDC token with audience ${hostname} from your issuer, then:`,
    `echo "$ID_TOKEN" | docker login -u ${login} --password-stdin ${hostname}`,
    "# or trade it for a credential that lives minutes:",
    `curl -sSf "$NODION_API/registry/oidc/exchange" -H 'Content-Type: application/json' -d "{\\"token\\": \\"$ID_TOKEN\\", \\"registry\\": \\"${hostname}\\", \\"namespace\\": \\"${namespace}\\"}"`,
  ].join("\n");
}

function openAddPublisher(registry, namespace, onAdded) {
  const provider = field({
    label: "CI",
    name: "provider",
    required: true,
    value: "GITHUB_ACTIONS",
    options: Object.entries(PROVIDER_LABELS).map(([value, label]) => ({ value, label })),
  });
  const fields = {
    repository: field({ label: "Repository", name: "repository", placeholder: "octo-org/app", hint: "owner/name on GitHub." }),
    workflow: field({ label: "Workflow file", name: "workflow", placeholder: "release.yml" }),
    projectPath: field({ label: "Project path", name: "projectPath", placeholder: "group/app" }),
    issuer: field({ label: "Issuer", name: "issuer", placeholder: "https://gitlab.com", hint: "The https URL its tokens carry as iss." }),
    subject: field({ label: "Subject", name: "subject", placeholder: "repo:org/app:ref:refs/heads/main", hint: "The token's sub. Exact, so that it names one pipeline (a glob is refused unless a claim does)." }),
    ref: field({ label: "Ref", name: "ref", placeholder: "refs/tags/v*", hint: "Exact or a glob; empty: any." }),
    refType: field({ label: "Ref type", name: "refType", value: "", options: [{ value: "", label: "Any" }, { value: "branch", label: "branch" }, { value: "tag", label: "tag" }] }),
    environment: field({ label: "Environment", name: "environment", placeholder: "production" }),
    repositories: field({ label: "May push to", name: "repositories", placeholder: "<namespace>/*", hint: "Repository globs under the project's namespace, comma-separated; empty: all of them." }),
  };
  const snippet = h("pre", { class: "snippet mono small", "aria-label": "CI snippet" });
  const formAlert = alertBox();
  const submit = h("button", { type: "submit", class: "button primary" }, "Add publisher");
  const cancel = h("button", { type: "button", class: "button", onclick: () => handle.close() }, "Cancel");

  function shown() {
    const wanted = PROVIDER_FIELDS[provider.input.value];
    for (const [name, parts] of Object.entries(fields)) {
      parts.wrapper.hidden = name !== "repositories" && !wanted.includes(name);
    }
    snippet.textContent = ciSnippet(provider.input.value, registry.hostname, namespace);
  }
  provider.input.addEventListener("change", shown);
  shown();

  const form = h(
    "form",
    { class: "stacked-form", novalidate: true },
    h("p", { class: "muted" }, "CI jobs that match may push to ", h("code", {}, registry.hostname), " with their OIDC token, with no stored secret."),
    provider.wrapper,
    Object.values(fields).map((f) => f.wrapper),
    h("p", { class: "muted small" }, "Paste into your CI:"),
    snippet,
    formAlert,
    h("div", { class: "dialog-actions" }, cancel, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(fields);
    showAlert(formAlert, "");
    const input = { registryId: registry.id, provider: provider.input.value };
    for (const name of PROVIDER_FIELDS[provider.input.value]) {
      const value = fields[name].input.value.trim();
      if (value) input[name] = value;
    }
    const builtIn = input.provider === "CUSTOM_OIDC" && BUILT_IN_ISSUERS[(input.issuer || "").replace(/\/+$/, "").toLowerCase()];
    if (builtIn) {
      setFieldError(fields.issuer, `That is ${builtIn}'s issuer: choose ${builtIn} as the CI, which binds the repository.`);
      return;
    }
    const repositories = fields.repositories.input.value.split(",").map((r) => r.trim()).filter(Boolean);
    if (repositories.length) input.repositories = repositories;
    await busy(submit, async () => {
      const { addTrustedPublisher: result } = await graphql(ADD_TRUSTED_PUBLISHER, { input });
      if (isError(result)) {
        if (result.field && fields[result.field]) setFieldError(fields[result.field], result.message);
        else showAlert(formAlert, result.message);
        return;
      }
      handle.close();
      onAdded("Trusted publisher added.");
    });
  });
  const handle = openDialog({ title: `Trusted publisher for ${registry.name}`, body: form, className: "form-dialog" });
  provider.input.focus();
}
