// The API token lives in sessionStorage only: it is gone when the tab closes,
// it is never put in localStorage, a cookie or a URL.
const KEY = "nodion.apiToken";

export function token() {
  return window.sessionStorage.getItem(KEY);
}

export function signIn(apiToken) {
  window.sessionStorage.setItem(KEY, apiToken);
}

export function signOut() {
  window.sessionStorage.removeItem(KEY);
}
