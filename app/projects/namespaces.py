"""A project's namespace: derived from its name by transliteration, or chosen.

The namespace is a DNS label and a repository path component (`shop/web`), so
only `a-z`, `0-9` and inner `-`. Names in Latin script keep their letters
(`Café Crème` → `cafe-creme`, `Straße` → `strasse`); a name with no Latin
transliteration (`日本語`) gets a readable fallback, `project-<6 hex>`, and the
caller tells the user what was chosen. Existing projects keep their namespace.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from app.errors import ValidationFailed

NAMESPACE_MAX_LENGTH = 63
BASE_MAX_LENGTH = 40  # leaves room for a `-<6 hex>` suffix when the base is taken
FALLBACK = "project"
# `\Z`, not `$`: `$` also matches before a final newline, so `shop\n` passed.
NAMESPACE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")
# Repository paths that mean something to registries and tools; and the words
# people expect to be Nodion's own.
RESERVED = frozenset(
    {"library", "v2", "nodion", "admin", "root", "registry", "api", "www", "_catalog", "project"}
)

# Letters NFKD does not decompose into ASCII, written as people write them in ASCII.
LATIN_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "\u0131": "i",  # dotless i
        "ħ": "h",
        "Ħ": "h",
        "ŋ": "ng",
        "Ŋ": "ng",
        "ĸ": "k",
    }
)


def transliterate(name: str) -> str:
    """ASCII letters and digits of `name` as a Latin reader writes them; the rest
    (other scripts, punctuation) becomes `-`."""
    folded = unicodedata.normalize("NFKD", name.translate(LATIN_LETTERS))
    ascii_only = "".join(char for char in folded if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")


def derived_base(name: str) -> tuple[str, bool]:
    """The namespace a name suggests, and whether it had to fall back because the
    name has too few Latin letters to read (`日本語`, `!!!`)."""
    slug = transliterate(name)[:BASE_MAX_LENGTH].strip("-")
    if not slug:
        return f"{FALLBACK}-{secrets.token_hex(3)}", True
    return slug, False


def with_suffix(base: str) -> str:
    return f"{base}-{secrets.token_hex(3)}"


def chosen_namespace(value: str) -> str:
    """A namespace the user typed, or ValidationFailed saying what is wrong."""
    namespace = value.strip()
    if not NAMESPACE.match(namespace):
        raise ValidationFailed(
            "namespace",
            "A namespace is 1 to 63 lower-case letters, digits and '-', starting and ending "
            "with a letter or digit, e.g. shop or cafe-creme.",
        )
    if namespace in RESERVED:
        raise ValidationFailed("namespace", f"{namespace!r} is reserved; choose another namespace.")
    return namespace


def name_key(name: str) -> str:
    """What makes two project names the same for one user: NFKC (`ﬁ` = `fi`,
    full-width letters = ASCII) and case folding (`Straße` = `STRASSE`)."""
    return unicodedata.normalize("NFKC", name).casefold().strip()
