from app.domain import Domain
from app.projects.events import PROJECT_CREATED, PROJECT_DELETING
from app.projects.graphql.mutations import ProjectMutations
from app.projects.graphql.queries import ProjectQueries

DOMAIN = Domain(
    name="projects",
    models="app.projects.models",
    query=ProjectQueries,
    mutation=ProjectMutations,
    events=[PROJECT_CREATED, PROJECT_DELETING],
)
