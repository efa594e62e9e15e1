"""The browser side of the service: the dashboard, GraphiQL and the headers that
protect every page. Everything is served from this package (no CDN, no build step)."""
