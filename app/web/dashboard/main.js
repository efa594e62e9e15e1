// The dashboard: a hash router over a few views, each talking to /graphql
// through api.js with the operations named in documents.js.
import { ApiError, graphql, SignedOut } from "./api.js";
import { VIEWER } from "./documents.js";
import { h, replace } from "./dom.js";
import * as session from "./session.js";
import { renderSignIn } from "./views/signin.js";
import { renderProjects } from "./views/projects.js";
import { renderProject } from "./views/project.js";

const app = document.getElementById("app");
const account = document.getElementById("account");
const breadcrumbs = document.getElementById("breadcrumbs");
const notice = document.getElementById("notice");
let noticeTimer;
let viewerEmail = null; // who is signed in, for the header; forgotten on sign-out

// Shared with the views: where to draw, how to navigate, how to say things.
export const shell = {
  setCrumbs(...parts) {
    replace(breadcrumbs, parts.map((part, index) => [index ? h("span", { class: "crumb-separator", "aria-hidden": "true" }, "/") : null, part]));
  },
  notify(message) {
    notice.textContent = message;
    notice.classList.add("visible");
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => notice.classList.remove("visible"), 4000);
  },
  go(hash) {
    if (window.location.hash === hash) route();
    else window.location.hash = hash;
  },
  signedOut(message) {
    session.signOut();
    viewerEmail = null;
    route(message);
  },
};

async function renderAccount() {
  if (!session.token()) {
    viewerEmail = null;
    replace(account);
    return;
  }
  const signOut = h("button", { type: "button", class: "button ghost", onclick: () => shell.signedOut("You are signed out.") }, "Sign out");
  if (viewerEmail === null) {
    try {
      viewerEmail = (await graphql(VIEWER)).viewer.email;
    } catch {
      viewerEmail = null; // the view being drawn reports the failure
    }
  }
  replace(account, viewerEmail ? h("span", { class: "account-email" }, "Signed in as ", h("strong", { dataset: { viewerEmail } }, viewerEmail)) : null, signOut);
}

async function route(message) {
  renderAccount();
  const path = window.location.hash.replace(/^#/, "") || "/";
  if (!path.startsWith("/")) return; // an in-page anchor, not a route
  if (!session.token()) {
    shell.setCrumbs();
    renderSignIn(app, shell, message);
    return;
  }
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === "projects" && parts[1]) {
      await renderProject(app, shell, parts[1], parts[2] || "registries");
    } else {
      await renderProjects(app, shell);
    }
  } catch (error) {
    if (error instanceof SignedOut) {
      shell.signedOut(error.message);
      return;
    }
    replace(app, h("div", { class: "card empty", role: "alert" }, h("h1", {}, "Something went wrong"), h("p", {}, error.message)));
  }
}

// An action whose request failed (server unreachable, signed out meanwhile):
// say so on the page instead of leaving an error in the console.
window.addEventListener("unhandledrejection", (event) => {
  if (!(event.reason instanceof ApiError)) return;
  event.preventDefault();
  if (event.reason instanceof SignedOut) shell.signedOut(event.reason.message);
  else shell.notify(event.reason.message);
});

window.addEventListener("hashchange", () => route());
route();
