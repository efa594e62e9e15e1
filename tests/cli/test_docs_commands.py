"""Every command the README and docs/ show names something that exists.

Checked without running anything, for each command in a ```sh block:
- `nodion …` and `.venv/bin/nodion …` are parsed by the `nodion` command itself
  (as typer builds it): the subcommands, the options, the arguments, the
  required options. `./scripts/serve.sh …` passes its arguments to `nodion serve`
  and is parsed the same way.
- `scripts/…` exists and is executable; `.venv/bin/python scripts/x.py --opt …`
  uses only options that the script's `--help` lists; `.venv/bin/tortoise CMD`
  names a command its `--help` lists.
- `nodion …` in inline code names a command and options that exist (inline code
  may name a command without the options it needs, e.g. `nodion admin
  registry-config`, so only names are checked there).
- Every repository path in a block or in inline code (`app/…`, `scripts/…`,
  `tests/…`, `docs/…`, `.venv/bin/…`) exists, and every relative link and its
  `#anchor` resolves.

Run as written, against a test service, in tests/cli/test_readme_quick_start.py:
the README's quick start and the `curl` walkthrough in docs/using.md. The other
blocks need a real registry or Docker (`docker login`, `registries add`, the
registry config), a PostgreSQL server (production), npm (GraphiQL assets), wrk
(bench) or run for a minute (chaos): for those, parsing is what is checked here.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from typer.core import TyperGroup
from typer.main import get_command

from app.cli.main import cli

REPOSITORY = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").glob("*.md"))]

# Named by the docs ahead of the lead's branches that add them (the upgrade
# check and the fenced fast path); drop an entry once its path exists.
NODION = {"nodion", ".venv/bin/nodion"}
TORTOISE = ".venv/bin/tortoise"
PYTHON = {".venv/bin/python", "python3", "python"}
SHELL_BLOCK = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)
ANY_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
REPOSITORY_PATH = re.compile(r"^(?:\./)?(?:app|scripts|tests|docs|\.venv/bin)/[\w./-]*$")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
OPERATORS = {";", "&", "&&", "|", "||", "(", ")"}
REDIRECTS = {">", ">>", "<", "2>", "&>"}


def shell_lines(document: Path) -> list[str]:
    """The logical lines of the document's shell blocks (continuations joined)."""
    lines = []
    for block in SHELL_BLOCK.findall(document.read_text()):
        lines += block.replace("\\\n", " ").splitlines()
    return lines


def prose(document: Path) -> str:
    return ANY_BLOCK.sub("", document.read_text())


def simple_commands(line: str) -> list[list[str]]:
    """The words of each simple command on a line, without redirections,
    leading assignments and comments."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>()")
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    skip_next = False
    for token in lexer:
        if skip_next:
            skip_next = False
        elif token in REDIRECTS:
            skip_next = True
        elif token in OPERATORS:
            commands.append([])
        elif commands[-1] or not ASSIGNMENT.match(token):
            commands[-1].append(token)
    return [words for words in commands if words]


def nodion_problem(args: list[str], *, complete: bool) -> str | None:
    """Why `nodion ARGS` would not parse, or None. With `complete`, as a pasted
    command: missing arguments and required options count too."""
    command: Any = get_command(cli)
    path = ["nodion"]
    rest = list(args)
    while isinstance(command, TyperGroup) and rest and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        if sub is None:
            return f"`{' '.join(path)}` has no command {rest[0]!r}"
        command, path, rest = sub, [*path, rest[0]], rest[1:]
    if "--help" in rest:
        return None
    if not complete:
        known = {name for param in command.params for name in param.opts + param.secondary_opts}
        unknown = [word.split("=")[0] for word in rest if word.startswith("--")]
        unknown = [option for option in unknown if option not in known]
        return f"`{' '.join(path)}` has no option {unknown[0]}" if unknown else None
    if isinstance(command, TyperGroup):
        return f"`{' '.join(path)}` needs a command"
    try:
        command.make_context(" ".join(path), rest)
    except Exception as error:
        # A usage error of click, which typer vendors (its classes are private).
        if not hasattr(error, "format_message"):
            raise
        return f"`{' '.join(path)}`: {error.format_message()}"
    return None


@cache
def help_text(*program: str) -> str:
    shown = subprocess.run(
        [*program, "--help"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return shown.stdout


def path_problem(word: str) -> str | None:
    word = word.rstrip(",.:;)")
    if "<" in word or not REPOSITORY_PATH.match(word):
        return None
    relative = word.removeprefix("./")
    if (REPOSITORY / relative).exists():
        return None
    return f"{word} does not exist"


def command_problems(words: list[str], *, complete: bool) -> list[str]:
    problems = [problem for word in words if (problem := path_problem(word))]
    program, args = words[0], words[1:]
    if program in NODION:
        problems.append(nodion_problem(args, complete=complete))
    elif program.removeprefix("./").startswith("scripts/"):
        script = REPOSITORY / program.removeprefix("./")
        if complete and script.exists() and not script.stat().st_mode & 0o111:
            problems.append(f"{program} is not executable")
        if program.endswith("serve.sh"):  # its arguments go to `nodion serve`
            problems.append(nodion_problem(["serve", *args], complete=complete))
    elif program in PYTHON and args[:1] and re.match(r"scripts/\w+\.py$", args[0]):
        if not (REPOSITORY / args[0]).exists():
            return problems  # path_problem said so
        options = set(re.findall(r"--[\w-]+", help_text(sys.executable, args[0])))
        problems += [
            f"{args[0]} has no option {word}"
            for word in args[1:]
            if word.startswith("--") and word.split("=")[0] not in options
        ]
    elif program == TORTOISE and args and args[0] not in re.findall(r"\w+", help_text(program)):
        problems.append(f"tortoise has no command {args[0]!r}")
    return [problem for problem in problems if problem]


def headings(document: Path) -> set[str]:
    """GitHub's anchors for the document's headings."""
    titles = re.findall(r"^#+ (.+)$", prose(document), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-") for title in titles}


def link_problem(document: Path, target: str) -> str | None:
    if re.match(r"^[a-z]+:", target):
        return None
    file, _, anchor = target.partition("#")
    linked = (document.parent / file).resolve() if file else document
    if not linked.exists():
        return f"link to {target}: no such file"
    if anchor and linked.suffix == ".md" and anchor not in headings(linked):
        return f"link to {target}: no such heading"
    return None


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.relative_to(REPOSITORY).as_posix())
def test_every_command_in_a_shell_block_parses(document: Path):
    problems = [
        f"{line.strip()}\n    {problem}"
        for line in shell_lines(document)
        for words in simple_commands(line)
        for problem in command_problems(words, complete=True)
    ]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.relative_to(REPOSITORY).as_posix())
def test_inline_commands_and_paths_exist(document: Path):
    problems = []
    for code in INLINE_CODE.findall(prose(document)):
        try:
            commands = simple_commands(code)
        except ValueError:  # not shell (an unbalanced quote in a GraphQL fragment)
            commands = [code.split()]
        problems += [
            f"`{code}`: {problem}"
            for words in commands
            for problem in command_problems(words, complete=False)
        ]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.relative_to(REPOSITORY).as_posix())
def test_every_relative_link_resolves(document: Path):
    targets = LINK.findall(prose(document))
    problems = [problem for target in targets if (problem := link_problem(document, target))]
    assert problems == [], "\n".join(problems)


def test_the_checks_catch_what_they_are_for():
    """A misspelt command, an option that does not exist, a missing argument or
    a missing file are each reported."""
    assert command_problems(["nodion", "projects", "craete", "Shop"], complete=True)
    assert command_problems(["nodion", "apps", "list", "--projet", "Shop"], complete=True)
    assert command_problems([".venv/bin/nodion", "admin", "create-user"], complete=True)
    assert command_problems(["nodion", "admin", "create-user", "EMAIL", "[--json]"], complete=True)
    assert command_problems(["nodion", "admin", "registry-config", "--regio"], complete=False)
    assert command_problems(["scripts/no-such-script.sh"], complete=True)
    assert command_problems([".venv/bin/python", "scripts/bench.py", "--no-such"], complete=True)
    assert command_problems([".venv/bin/python", "scripts/no_such.py"], complete=True)
    assert command_problems([".venv/bin/tortoise", "makemigration"], complete=True)
    assert not command_problems(["nodion", "admin", "registry-config"], complete=False)
    assert simple_commands("A=1 nodion x > out.yml # note") == [["nodion", "x"]]
