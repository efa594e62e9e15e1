// Starts GraphiQL against this server's /graphql. A plain script, loaded after
// the vendored React, GraphiQL and explorer bundles, because the page's
// Content-Security-Policy allows no inline script.
"use strict";

(function start() {
  const DEFAULT_QUERY = `# Nodion registries API.
# Put your API token into the Headers tab below,
# then run this with Ctrl-Enter. A new token:
#   nodion admin create-token EMAIL

{
  viewer {
    email
  }
}
`;
  const DEFAULT_HEADERS = '{"Authorization": "Bearer PASTE_YOUR_API_TOKEN"}';

  const fetcher = GraphiQL.createFetcher({ url: new URL("/graphql", window.location.href).href });
  const explorer = GraphiQLPluginExplorer.explorerPlugin();

  // GraphiQL keeps tabs and query history in the storage it is given. Headers
  // hold the API token: GraphiQL 3 leaves them out of tabs when
  // shouldPersistHeaders is false, but its history stores them anyway, so every
  // value is stripped of "headers" on its way into sessionStorage (which is
  // gone with the browser tab; nothing goes to localStorage).
  function withoutHeaders(value) {
    try {
      return JSON.stringify(JSON.parse(value), (key, item) => (key === "headers" ? undefined : item));
    } catch {
      return value;
    }
  }
  const backing = window.sessionStorage;
  const storage = {
    getItem: (key) => backing.getItem(key),
    setItem: (key, value) => backing.setItem(key, withoutHeaders(value)),
    removeItem: (key) => backing.removeItem(key),
    clear: () => backing.clear(),
    key: (index) => backing.key(index),
    get length() {
      return backing.length;
    },
  };

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      plugins: [explorer],
      storage,
      defaultQuery: DEFAULT_QUERY,
      defaultHeaders: DEFAULT_HEADERS,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    }),
  );
})();
