"""Every word the hotline listens for, normalized once per catalog (not once per text)."""
from __future__ import annotations

from dataclasses import dataclass

from hotline.content.catalog import SOURCE_LANGUAGE, Catalog
from hotline.content.memo import per_catalog
from hotline.text import normalize

CARRIER = ("stop", "start", "help", "forget")


@dataclass(frozen=True)
class Vocabulary:
    """Normalized words of one catalog, for matching texts and speech."""

    keywords: dict[str, str]                      # language keyword -> language code
    carrier: dict[str, tuple[str, str]]           # STOP, PARAR, ... -> (command, language code)
    commands: dict[str, dict[str, str]]           # lang -> word -> menu | languages | more
    numbers: dict[str, dict[str, str]]            # lang -> number word -> digit
    options: dict[tuple[str, str], frozenset[str]]  # (lang, node id) -> words that choose it
    marks: tuple[tuple[str, str, frozenset[str]], ...]   # (code, letters, common words) in list order


def _words(text: str) -> list[str]:
    return [normalize(w) for w in text.split(",") if normalize(w)]


@per_catalog(maxsize=1)
def vocabulary(catalog: Catalog) -> Vocabulary:
    """The catalog's vocabulary, built on first use and kept while the catalog is served."""
    keywords: dict[str, str] = {}
    for lang in catalog.languages:
        for word in lang.keywords:
            keywords.setdefault(normalize(word), lang.code)
    carrier: dict[str, tuple[str, str]] = {}
    for kind in CARRIER:
        for lang in catalog.languages:
            for word in _words(catalog.messages.get(lang.code, {}).get(f"keyword.{kind}", "")):
                carrier.setdefault(word, (kind, lang.code))
    commands, numbers, options = {}, {}, {}
    for lang in catalog.languages:
        code = lang.code
        commands[code] = {w: kind for kind in ("menu", "languages", "more")
                          for w in _words(",".join(catalog.words(code, f"keyword.{kind}")))}
        numbers[code] = {}
        for table in (catalog.messages.get(c, {}) for c in dict.fromkeys((code, SOURCE_LANGUAGE))):
            for i, word in enumerate(_words(table.get("keyword.numbers", ""))):
                numbers[code].setdefault(word, str(i + 1))
        for node in catalog.nodes.values():
            for opt in node.options:
                words = list(opt.words) + list(catalog.words(code, f"{opt.goto}.words"))
                options[(code, opt.goto)] = frozenset(normalize(w) for w in words if normalize(w))
    marks = tuple((lang.code, lang.letters, frozenset(normalize(w) for w in lang.words)) for lang in catalog.languages)
    return Vocabulary(keywords, carrier, commands, numbers, options, marks)
