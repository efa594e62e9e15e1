"""Top layer: the GraphQL schema assembled from the domains, the Project type and the view."""
