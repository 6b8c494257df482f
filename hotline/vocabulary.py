"""Every word the hotline listens for, normalized once per catalog (not once per text)."""
from __future__ import annotations

from dataclasses import dataclass

from hotline.content.catalog import SOURCE_LANGUAGE, Catalog, number_words
from hotline.content.memo import per_catalog
from hotline.text import normalize

CARRIER = ("stop", "start", "help", "forget")


@dataclass(frozen=True)
class Vocabulary:
    """Normalized words of one catalog, for matching texts and speech."""

    keywords: dict[str, str]                      # a language's name or keyword -> language code
    names: dict[str, str]                         # a language's name (espanol, po polsku) -> language code
    carrier: dict[str, tuple[str, tuple[str, ...]]]   # STOP, PARAR, ... -> (command, the languages it is theirs)
    commands: dict[str, dict[str, str]]           # lang -> word -> menu | languages | more
    numbers: dict[str, dict[str, str]]            # lang -> number word -> digit
    options: dict[tuple[str, str], frozenset[str]]  # (lang, node id) -> words that choose it
    marks: tuple[tuple[str, str, frozenset[str]], ...]   # (code, letters, words it owns) in list order
    topics: dict[tuple[str, str], str]            # (lang, a word texted alone) -> the main menu topic it names

    def choice(self, lang: str, said: str) -> bool:
        """Whether a whole text is, in this language, a number word or a topic's word: a choice, not a switch."""
        return said in self.numbers.get(lang, {}) or (lang, said) in self.topics

    agreed: dict[str, str]                        # a menu command's word -> its command, where every language
                                                  # that has the word agrees

    def command(self, said: str) -> str | None:
        """A menu command (menu, languages, more) in any language, when every language that has the word agrees:
        IDIOMA brings the language list whatever language a family is read in."""
        return self.agreed.get(said)


def _words(text: str) -> list[str]:
    return [normalize(w) for w in text.split(",") if normalize(w)]


@per_catalog(maxsize=1)
def vocabulary(catalog: Catalog) -> Vocabulary:
    """The catalog's vocabulary, built on first use and kept while the catalog is served."""
    keywords: dict[str, str] = {}
    for lang in catalog.languages:
        for word in lang.choosing:
            keywords.setdefault(normalize(word), lang.code)
    names = {normalize(word): lang.code for lang in reversed(catalog.languages) for word in reversed(lang.names)}
    carrier: dict[str, tuple[str, tuple[str, ...]]] = {}
    for kind in CARRIER:
        for lang in catalog.languages:
            for word in _words(catalog.messages.get(lang.code, {}).get(f"keyword.{kind}", "")):
                found, langs = carrier.get(word, (kind, ()))
                if found == kind:    # a word two commands claim is reported by `hotline check`; the first stays
                    carrier[word] = (kind, langs + (lang.code,))
    commands, numbers, options = {}, {}, {}
    for lang in catalog.languages:
        code = lang.code
        commands[code] = {w: kind for kind in ("menu", "languages", "more")
                          for w in _words(",".join(catalog.words(code, f"keyword.{kind}")))}
        numbers[code] = {}
        for table in (catalog.messages.get(c, {}) for c in dict.fromkeys((code, SOURCE_LANGUAGE))):
            for i, spellings in enumerate(number_words(table.get("keyword.numbers", ""))):
                for word in filter(None, map(normalize, spellings)):
                    numbers[code].setdefault(word, str(i + 1))
        for node in catalog.nodes.values():
            for opt in node.options:
                words = list(opt.words) + list(catalog.words(code, f"{opt.goto}.words"))
                options[(code, opt.goto)] = frozenset(normalize(w) for w in words if normalize(w))
    marks = tuple((lang.code, lang.letters, frozenset(filter(None, (normalize(w) for w in lang.words + lang.keywords))))
                  for lang in catalog.languages)   # not its names: "he speaks Spanish" is English
    topics = {(code, word): goto for (code, goto), words in options.items()
              if any(goto == opt.goto for opt in catalog.nodes["main"].options) for word in words}
    claimed: dict[str, set[str]] = {}
    for words in commands.values():
        for word, kind in words.items():
            claimed.setdefault(word, set()).add(kind)
    agreed = {word: next(iter(kinds)) for word, kinds in claimed.items() if len(kinds) == 1}
    return Vocabulary(keywords, names, carrier, commands, numbers, options, marks, topics, agreed)
