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

  // Tabs live in sessionStorage (gone with the browser tab), and headers are
  // never persisted: they hold the API token, which must not reach localStorage.
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      plugins: [explorer],
      storage: window.sessionStorage,
      defaultQuery: DEFAULT_QUERY,
      defaultHeaders: DEFAULT_HEADERS,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    }),
  );
})();
