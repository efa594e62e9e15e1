"""The hot queries read a page per parent through their index, however long the
history (issue 24). Asserted on the plans, not on timings: PostgreSQL's
`EXPLAIN (ANALYZE, FORMAT JSON)` counts the rows each scan returned per loop;
SQLite's `EXPLAIN QUERY PLAN` says whether a table is searched through an index
in the order of the page (no full scan, no sort of everything)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import Tortoise

from app.accounts.models import User
from app.applications.leases import expired_statement, take_statement, take_values
from app.applications.models import (
    Application,
    Deployment,
    DeploymentStatus,
    DeployTarget,
    Strategy,
)
from app.audit.models import AuditEvent
from app.graphql.core.pagination import Page, _lateral, _union_all
from app.projects.models import Project, ProjectMember, Role
from app.registries.image_models import ImageRepository, ImageTag
from app.registries.models import Registry, RegistryType

PROJECTS = 1_500
HISTORY = 12_000  # events of the busy project; deployments of its busy application
USER_PROJECTS = 20
PAGE = Page(20, None)
CLAIMABLE_INDEX = "deployments_claimable"  # migration 0013
ACTIVE = (DeploymentStatus.PENDING, DeploymentStatus.CLAIMED)
ACTIVE_DEPLOYMENTS = 39  # PENDING, of the busy application, over both regions


async def seed_history() -> dict[str, int]:
    """Many projects with one owner each; the viewer in a few; one project with a
    long audit history (few of one rare action) and one application with many
    deployments, a few of them PENDING."""
    start = datetime.now(UTC) - timedelta(days=365)
    await User.bulk_create([User(email=f"u{n}@example.com") for n in range(50)])
    users = await User.all().order_by("id")
    viewer = users[0]
    await Project.bulk_create(
        [Project(name=f"p{n}", namespace=f"p{n}") for n in range(PROJECTS)], batch_size=500
    )
    projects = await Project.all().order_by("id").values_list("id", flat=True)
    members = [
        ProjectMember(project_id=project_id, user_id=users[1 + n % 49].id, role=Role.ADMIN)
        for n, project_id in enumerate(projects)
    ] + [
        ProjectMember(project_id=project_id, user_id=viewer.id, role=Role.ADMIN)
        for project_id in projects[:USER_PROJECTS]
    ]
    await ProjectMember.bulk_create(members, batch_size=500)
    busy = projects[0]
    await AuditEvent.bulk_create(
        [
            AuditEvent(
                project_id=busy if n % 4 else projects[1 + n % 100],
                action="registry.added" if n % 500 == 0 else "deployment.created",
                target_type="Deployment",
                target_id=n,
                target_name=f"d{n}",
                created_at=start + timedelta(minutes=n),
            )
            for n in range(HISTORY)
        ],
        batch_size=1000,
    )
    registry = await Registry.create(
        project_id=busy, type=RegistryType.NODION, name="n", hostname="h", region="eu-central"
    )
    apps = [
        await Application.create(
            project_id=busy,
            name=f"a{n}",
            region="eu-central",
            strategy=Strategy.DOCKERFILE,
            registry=registry,
            image=f"p0/a{n}",
            tag="latest",
        )
        for n in range(3)
    ]
    await Deployment.bulk_create(
        [
            Deployment(
                application_id=apps[0].id if n % 3 else apps[1 + n % 2].id,
                project_id=busy,
                region="eu-central" if n % 2 else "us-east",
                strategy=Strategy.DOCKERFILE,
                registry=registry,
                image_reference="h/p0/a:latest",
                repository="p0/a",
                status=(
                    DeploymentStatus.PENDING
                    if n >= HISTORY - ACTIVE_DEPLOYMENTS
                    else DeploymentStatus.SUCCEEDED
                ),
            )
            for n in range(HISTORY)
        ],
        batch_size=1000,
    )
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script("VACUUM ANALYZE")
    deep = (
        await Deployment.filter(application_id=apps[0].id)
        .order_by("-id")
        .offset(500)
        .first()
        .values_list("id", flat=True)
    )
    return {"viewer": viewer.id, "busy": busy, "app": apps[0].id, "deep": deep, **{
        f"app{n}": app.id for n, app in enumerate(apps)
    }}  # fmt: skip


# PostgreSQL ---------------------------------------------------------------


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


async def pg_plan(sql: str, values: list[Any]) -> list[dict[str, Any]]:
    connection = Tortoise.get_connection("default")
    rows = await connection.execute_query_dict(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", values)
    plan = rows[0]["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return list(nodes(plan[0]["Plan"]))


async def pg_index_columns() -> dict[str, list[str]]:
    connection = Tortoise.get_connection("default")
    rows = await connection.execute_query_dict("SELECT indexname, indexdef FROM pg_indexes")
    return {
        row["indexname"]: [
            column.strip().strip('"')
            for column in row["indexdef"].rsplit("(", 1)[1].rstrip(")").split(",")
        ]
        for row in rows
    }


async def pg_index_names(table: str, columns: list[str]) -> set[str]:
    connection = Tortoise.get_connection("default")
    rows = await connection.execute_query_dict(
        "SELECT indexname FROM pg_indexes WHERE tablename = $1", [table]
    )
    indexes = await pg_index_columns()
    return {row["indexname"] for row in rows if indexes[row["indexname"]] == columns}


async def pg_scans_of(table: str, sql: str, values: list[Any]) -> list[dict[str, Any]]:
    plan = await pg_plan(sql, values)
    scans = [node for node in plan if node.get("Relation Name") == table]
    assert scans, plan
    assert all(node["Node Type"] != "Seq Scan" for node in scans), plan
    return scans


async def assert_pg_page_per_parent(
    table: str, index: list[str], sql: str, values: list[Any], parents: int, page: int
) -> None:
    indexes = await pg_index_columns()
    for scan in await pg_scans_of(table, sql, values):
        assert indexes[scan["Index Name"]] == index, scan
        # Actual Rows is per loop: one loop per parent, each a page at most.
        assert scan["Actual Loops"] == parents, scan
        assert scan["Actual Rows"] <= page + 1, scan
        assert scan.get("Rows Removed by Filter", 0) == 0, scan


async def assert_pg_claim_reads_the_unfinished(claim: str, values: list[Any]) -> None:
    """The claim reads the region's unfinished deployments at most (through the
    index of them, or one bitmap per status of (region, status, id)), never the
    finished ones: before, PostgreSQL walked the primary key from the oldest
    deployment and filtered the whole history out."""
    plan = await pg_plan(claim, values)  # runs the claim: once
    assert not any(node["Node Type"] == "Seq Scan" for node in plan), plan
    scans = [node for node in plan if "Index Name" in node]
    read = sum(
        (scan["Actual Rows"] + scan.get("Rows Removed by Filter", 0)) * scan["Actual Loops"]
        for scan in scans
    )
    assert read <= ACTIVE_DEPLOYMENTS + 1, plan  # + 1: the UPDATE's lookup of its row
    assert {scan["Index Name"] for scan in scans} <= {
        CLAIMABLE_INDEX,
        "deployments_pkey",
        *await pg_index_names("deployments", ["region", "status", "id"]),
    }, plan


# SQLite -------------------------------------------------------------------


async def sqlite_plan(sql: str, values: list[Any]) -> list[str]:
    connection = Tortoise.get_connection("default")
    rows = await connection.execute_query_dict(f"EXPLAIN QUERY PLAN {sql}", values)
    return [row["detail"] for row in rows]


async def sqlite_index_columns(table: str) -> dict[str, list[str]]:
    connection = Tortoise.get_connection("default")
    found = {}
    for index in await connection.execute_query_dict(f"PRAGMA index_list('{table}')"):
        columns = await connection.execute_query_dict(f"PRAGMA index_info('{index['name']}')")
        found[index["name"]] = [column["name"] for column in columns]
    return found


async def assert_sqlite_searches(
    table: str, index: list[str], sql: str, values: list[Any], *, sorts: bool = False
) -> None:
    """`sorts`: the plan may sort what the index found (a join's few rows)."""
    plan = await sqlite_plan(sql, values)
    indexes = await sqlite_index_columns(table)
    wanted = {name for name, columns in indexes.items() if columns == index}
    assert wanted, (indexes, index)
    touching = [line for line in plan if f" {table} " in f" {line} "]
    assert touching, plan
    for line in touching:
        # SEARCH through the index, in its order: no SCAN of the table, no sort
        # of all a parent's rows before the LIMIT.
        assert line.startswith("SEARCH"), plan
        assert any(name in line for name in wanted), plan
    assert sorts or not any("TEMP B-TREE" in line for line in plan), plan


async def assert_sqlite_claim_searches_the_unfinished(claim: str, values: list[Any]) -> None:
    """SQLite takes the oldest row of the region from the index of unfinished
    deployments, in its order; through (region, status, id) it searched by region
    only (the OR) and sorted the region's whole history."""
    plan = await sqlite_plan(claim, values)
    searches = [line for line in plan if " deployments " in f" {line} "]
    assert [line for line in searches if "PRIMARY KEY" not in line] == [
        f"SEARCH deployments USING INDEX {CLAIMABLE_INDEX} (region=?)"
    ], plan
    assert not any("TEMP B-TREE" in line for line in plan), plan


async def assert_page_per_parent(
    table: str, index: list[str], postgres_sql, sqlite_sql, parents: list[int], page: Page,
    equal: tuple[tuple[str, str], ...] = (),
) -> None:  # fmt: skip
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        sql, values = postgres_sql(table, index[0], parents, page, equal)
        await assert_pg_page_per_parent(table, index, sql, values, len(parents), page.size)
    else:
        sql, values = sqlite_sql(table, index[0], parents, page, equal)
        await assert_sqlite_searches(table, index, sql, values)


async def test_hot_queries_read_one_page_per_parent_through_their_index(database):
    ids = await seed_history()
    busy, quiet = ids["busy"], ids["busy"] + 1
    postgres = Tortoise.get_connection("default").capabilities.dialect == "postgres"

    # A project page's 20 audit events, of a busy project and a quiet one.
    await assert_page_per_parent(
        "audit_events", ["project_id", "id"], _lateral, _union_all, [busy, quiet], PAGE
    )
    # ... filtered by a rare action: straight to its rows, not through the others.
    await assert_page_per_parent(
        "audit_events", ["project_id", "action", "id"], _lateral, _union_all,
        [busy, quiet], PAGE, (("action", "registry.added"),),
    )  # fmt: skip
    # Applications with their last deployment (first: 1), and a page 500 deep.
    apps = [ids["app0"], ids["app1"], ids["app2"]]
    await assert_page_per_parent(
        "deployments", ["application_id", "id"], _lateral, _union_all, apps, Page(1, None)
    )
    await assert_page_per_parent(
        "deployments", ["application_id", "id"], _lateral, _union_all, [ids["app"]],
        Page(20, ids["deep"]),
    )  # fmt: skip

    # The viewer's projects: through their memberships, not every project's.
    projects = Project.filter(members__user_id=ids["viewer"]).order_by("-id").limit(51)
    # The deploy claim's own statement: the oldest PENDING (or lost) deployment
    # of a region, among thousands finished.
    target = await DeployTarget.create(name="t", region="eu-central", token_digest="0" * 64)
    claim = take_statement(Tortoise.get_connection("default").capabilities.dialect)
    now = datetime.now(UTC)
    claim_values = take_values(
        region="eu-central",
        target_id=target.id,
        target_name=target.name,
        digest="1" * 64,
        now=now,
        credential_expires=now + timedelta(minutes=5),
        lease_expires=now + timedelta(minutes=5),
    )
    if postgres:
        indexes = await pg_index_columns()
        sql = projects.sql(params_inline=True)
        scans = await pg_scans_of("project_members", sql, [])
        assert [indexes[scan["Index Name"]] for scan in scans] == [["user_id", "project_id"]]
        assert sum(scan["Actual Rows"] * scan["Actual Loops"] for scan in scans) <= USER_PROJECTS
        await assert_pg_claim_reads_the_unfinished(claim, claim_values)
        # The lease sweep: the claimed rows whose lease ran out, not the history.
        sweep = await pg_plan(expired_statement("postgres"), [now + timedelta(hours=1)])
        [scan] = [node for node in sweep if "Index Name" in node]
        assert scan["Index Name"] == CLAIMABLE_INDEX, sweep
        unfinished = await Deployment.filter(status__in=ACTIVE).count()
        assert unfinished < HISTORY / 100
        # + 1: the claim above left its row's old version in the index (till a vacuum).
        read = scan["Actual Rows"] + scan.get("Rows Removed by Filter", 0)
        assert read <= unfinished + 1, sweep
    else:
        await assert_sqlite_searches(
            "project_members",
            ["user_id", "project_id"],
            projects.sql(params_inline=True),
            [],
            sorts=True,
        )
        await assert_sqlite_claim_searches_the_unfinished(claim, claim_values)
        sweep = await sqlite_plan(expired_statement("sqlite"), [now])
        assert sweep == [f"SCAN deployments USING INDEX {CLAIMABLE_INDEX}"], sweep


REPOSITORIES = 3_000  # in the index; the busy project has one in five
TAGS = 12_000  # a quarter of them in the busy project's big repository
IMAGES_PAGE = Page(100, None)  # what the dashboard's images tab asks (ProjectImages)


async def seed_images() -> dict[str, Any]:
    """A year of pushes: a busy project with many repositories over two regions,
    one of them with thousands of tags; a quiet project with one repository."""
    start = datetime.now(UTC) - timedelta(days=365)
    await Project.bulk_create([Project(name=f"p{n}", namespace=f"p{n}") for n in range(3)])
    busy, quiet, other = await Project.all().order_by("id").values_list("id", flat=True)
    await ImageRepository.bulk_create(
        [
            ImageRepository(
                project_id=busy if n % 5 == 0 else other,
                region="eu-central" if n % 2 else "us-east",
                name=f"p/r{n}",
            )
            for n in range(REPOSITORIES)
        ]
        + [ImageRepository(project_id=quiet, region="us-east", name="p1/web")],
        batch_size=1000,
    )
    repositories = await ImageRepository.all().order_by("id").values_list("id", flat=True)
    busy_repositories = (
        await ImageRepository.filter(project_id=busy).order_by("-id").values_list("id", flat=True)
    )
    big = busy_repositories[0]
    await ImageTag.bulk_create(
        [
            ImageTag(
                repository_id=big if n % 4 == 0 else repositories[n % len(repositories)],
                name=f"t{n}",
                digest=f"sha256:{n:064x}",
                media_type="application/vnd.oci.image.manifest.v1+json",
                size_bytes=1000 + n,
                pushed_at=start + timedelta(minutes=n),
            )
            for n in range(TAGS)
        ],
        batch_size=1000,
    )
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script("VACUUM ANALYZE")
    return {"busy": busy, "quiet": quiet, "big": big, "page": busy_repositories[:100]}


async def test_images_tab_reads_one_page_per_parent_through_its_index(database):
    ids = await seed_images()
    projects = [ids["busy"], ids["quiet"]]
    # The tab's repositories, of every region (as the dashboard asks) and of one.
    await assert_page_per_parent(
        "image_repositories", ["project_id", "id"], _lateral, _union_all, projects, IMAGES_PAGE
    )
    await assert_page_per_parent(
        "image_repositories", ["project_id", "region", "id"], _lateral, _union_all, projects,
        IMAGES_PAGE, (("region", "eu-central"),),
    )  # fmt: skip
    # Each repository's tags on the page, the big one's thousands included.
    await assert_page_per_parent(
        "image_tags", ["repository_id", "id"], _lateral, _union_all, ids["page"], IMAGES_PAGE
    )
    assert await ImageTag.filter(repository_id=ids["big"]).count() > 20 * IMAGES_PAGE.size
