"""Read the content folder into a Catalog, collecting problems instead of raising."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Mapping

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from hotline.content import rules
from hotline.content.catalog import CONFIDENCE, SOURCE_LANGUAGE, Catalog, Language, Node, Option, Resource, Voice
from hotline.content.problems import Problem, errors
from hotline.engine_constants import CALLBACK_DIGIT, ERASE_DIGIT, TEXT_ME_DIGIT
from hotline.schedule import parse_schedule

LANGUAGE_FIELDS = {"code", "name", "names", "keywords", "detect", "voice", "speech", "sms_fold_accents", "locale",
                   "letters", "words", "heard", "confidence"}
LANGUAGES_FIELDS = {"languages", "confidence"}
VOICE_FIELDS = {"say", "name", "espeak"}
NODE_FIELDS = {"options", "resources", "connect", "key"}
OPTION_FIELDS = {"digit", "goto", "words"}
UNREADABLE = {"yaml-syntax", "not-utf8"}   # a file that could not be read at all: nothing else is checked
RESOURCE_FIELDS = {"name", "short", "phone", "also", "address", "serves", "source", "hours", "languages", "email", "website"}


class Source:
    """One YAML file being read: its data, and where to point when something is wrong."""

    def __init__(self, root: Path, rel: str, problems: list[Problem], files: Mapping[str, bytes] | None = None):
        self.rel = rel
        self.problems = problems
        self.data: Any = None
        self.raw = b""
        try:
            if files is None:
                self.raw = (root / rel).read_bytes()
            elif rel in files:
                self.raw = files[rel]
            else:
                raise FileNotFoundError(rel)
            self.data = YAML(typ="rt").load(self.raw.decode("utf-8"))
        except FileNotFoundError:
            self.error(None, "missing-file", "file not found")
        except UnicodeDecodeError:
            self.error(None, "not-utf8", "file is not saved as UTF-8 text")
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 1 if mark else 1
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.problems.append(Problem(rel, line, (mark.column + 1) if mark else 1, "yaml-syntax",
                                         f"YAML syntax error: {reason} (check indentation, colons and quotes)"))

    def where(self, container: Any, key: Any = None) -> tuple[int, int]:
        """1-based line and column of a key (or list index) in a parsed container."""
        try:
            if key is None:
                line, col = container.lc.line, container.lc.col
            elif isinstance(key, int):
                line, col = container.lc.item(key)
            else:
                line, col = container.lc.key(key)
            return line + 1, col + 1
        except (AttributeError, KeyError, TypeError, IndexError):
            return 1, 1

    def report(self, container: Any, code: str, message: str, key: Any = None, severity: str = "error") -> None:
        """Record a problem at a place in this file."""
        line, col = self.where(container, key) if container is not None else (1, 1)
        self.problems.append(Problem(self.rel, line, col, code, message, severity))

    def error(self, container: Any, code: str, message: str, key: Any = None) -> None:
        """Record an error at a place in this file."""
        self.report(container, code, message, key)

    def warn(self, container: Any, code: str, message: str, key: Any = None) -> None:
        """Record a warning at a place in this file."""
        self.report(container, code, message, key, "warning")

    def mapping(self, what: str) -> dict:
        """The file's top level as a mapping, or {} after recording why not."""
        if isinstance(self.data, dict):
            return self.data
        if not any(p.file == self.rel and p.severity == "error" for p in self.problems):
            code = "empty-file" if self.data is None else "bad-value"
            self.error(None, code, f"the file should hold {what}")
        return {}

    def unknown_fields(self, container: dict, allowed: set[str], what: str) -> None:
        """Flag misspelled or unknown field names."""
        for key in container:
            if key not in allowed:
                self.error(container, "unknown-field",
                           f"{what}: unknown field '{key}' (expected one of: {', '.join(sorted(allowed))})", key)


def _words(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return ()
    return tuple(str(w).strip() for w in value if str(w).strip())


def _confidence(src: Source, container: dict, default: float) -> float:
    """A confidence: field (the least Confidence Twilio's speech recognition must report), or the default."""
    value = container.get("confidence")
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        src.error(container, "bad-value", f"confidence: '{value}' should be a number from 0 to 1 (0.5: speech Twilio "
                  "is less than half sure of is not acted on, and the caller is asked to press a key)", "confidence")
        return default
    return float(value)


def _languages(src: Source, root: Path) -> list[Language]:
    data = src.mapping("a list under 'languages:'")
    src.unknown_fields(data, LANGUAGES_FIELDS, "languages.yaml")
    everyone = _confidence(src, data, CONFIDENCE)
    items = data.get("languages")
    if not isinstance(items, list) or not items:
        if data:
            src.error(data, "missing-field", "'languages:' must be a list of languages", "languages" if "languages" in data else None)
        return []
    found: list[Language] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            src.error(items, "bad-value", "each language needs code, name and keywords", i)
            continue
        src.unknown_fields(item, LANGUAGE_FIELDS, "language")
        code, name = str(item.get("code") or "").strip(), str(item.get("name") or "").strip()
        if not code or not name:
            src.error(items, "missing-field", "a language needs both 'code' and 'name'", i)
            continue
        if any(lang.code == code for lang in found):
            src.error(item, "duplicate-language", f"language '{code}' is listed twice", "code")
            continue
        voice, espeak = item.get("voice"), None
        text_only = voice == "none"
        if isinstance(voice, dict) and (voice.get("say") or voice.get("espeak")):
            src.unknown_fields(voice, VOICE_FIELDS, f"voice of '{code}'")
            espeak = str(voice["espeak"]) if voice.get("espeak") else None
            voice = Voice(str(voice["say"]), str(voice["name"]) if voice.get("name") else None) if voice.get("say") else None
        elif voice is not None and not text_only:
            src.error(item, "missing-field", f"voice of '{code}' needs 'say' (a Twilio language code) or 'espeak' "
                      "(an espeak-ng voice for `hotline audio`), or write voice: none", "voice")
            voice = None
        else:
            voice = None
        speech = str(item["speech"]).strip() if item.get("speech") else None
        rules.check_twilio(src, item, code, voice, speech)
        spoken = voice is not None or (not text_only and rules.has_audio(root, code))   # voice: none: see below
        detect = _words(item.get("detect"))
        for unknown in [d for d in detect if not rules.detectable(d)]:
            src.error(item, "bad-value", f"detect: '{unknown}' is not a language the detector knows", "detect")
        found.append(Language(
            code, name, names=_words(item.get("names")), keywords=_words(item.get("keywords")),
            detect=tuple(d.upper() for d in detect if rules.detectable(d)), voice=voice, speech=speech,
            fold_accents=bool(item.get("sms_fold_accents")), spoken=spoken, espeak=espeak,
            locale=str(item["locale"]) if item.get("locale") else None,
            letters=str(item.get("letters") or ""), words=_words(item.get("words")), heard=_words(item.get("heard")),
            confidence=_confidence(src, item, everyone)))
    return found


def _resources(src: Source) -> dict[str, Resource]:
    found: dict[str, Resource] = {}
    for rid, item in src.mapping("organizations by id").items():
        if not isinstance(item, dict):
            src.error(src.data, "bad-value", f"resource '{rid}' needs name and phone", rid)
            continue
        src.unknown_fields(item, RESOURCE_FIELDS, f"resource '{rid}'")
        name, phone = str(item.get("name") or "").strip(), str(item.get("phone") or "").strip()
        if not name or not phone:
            src.error(src.data, "missing-field", f"resource '{rid}' needs both 'name' and 'phone'", rid)
            continue
        numbers = [phone] + [str(n).strip() for n in (item.get("also") or [])]
        parsed = [rules.phone_number(n) for n in numbers]
        for number, e164 in zip(numbers, parsed):
            if e164 is None:
                src.error(item, "bad-phone", f"resource '{rid}': '{number}' is not a valid phone number",
                          "phone" if number == phone else "also")
        if None in parsed:
            continue
        found[str(rid)] = Resource(str(rid), name, str(item.get("short") or name).strip(), parsed[0], tuple(parsed[1:]))
    return found


def _nodes(src: Source, resources: dict[str, Resource]) -> dict[str, Node]:
    data = src.mapping("menu nodes by id")
    if data and "main" not in data:
        src.error(data, "missing-field", "the menu needs a 'main' node")
    nodes: dict[str, Node] = {}
    for nid, item in data.items():
        item = item if item is not None else {}
        if not isinstance(item, dict):
            src.error(data, "bad-value", f"node '{nid}' should hold options and/or resources", nid)
            continue
        src.unknown_fields(item, NODE_FIELDS, f"node '{nid}'")
        options = []
        raw_options = item.get("options") or []
        seen_digits: dict[str, int] = {}
        for i, opt in enumerate(raw_options if isinstance(raw_options, list) else []):
            if not isinstance(opt, dict) or "digit" not in opt or "goto" not in opt:
                src.error(raw_options, "missing-field", f"node '{nid}': each option needs 'digit' and 'goto'", i)
                continue
            src.unknown_fields(opt, OPTION_FIELDS, f"option in '{nid}'")
            digit = str(opt["digit"]).strip()
            if digit not in "123456789" or len(digit) != 1:
                src.error(opt, "bad-value", f"node '{nid}': digit must be one of 1-9, not '{digit}' (0 is the main menu)", "digit")
                continue
            if digit in seen_digits:
                src.error(opt, "duplicate-digit", f"node '{nid}': digit {digit} is used twice", "digit")
                continue
            if nid == "main" and digit in (CALLBACK_DIGIT, ERASE_DIGIT):
                use = "call-back requests on calls after hours" if digit == CALLBACK_DIGIT else "erasing on calls"
                src.error(opt, "reserved-digit", f"node 'main': digit {digit} is kept for {use}", "digit")
                continue
            seen_digits[digit] = i
            options.append(Option(digit, str(opt["goto"]), _words(opt.get("words"))))
        rids = tuple(str(r) for r in (item.get("resources") or []))
        if rids and nid != "main":   # on calls, a topic that lists organizations offers them by text
            taken = [f"option {TEXT_ME_DIGIT}"] if TEXT_ME_DIGIT in seen_digits else []
            taken += ["connecting to its organization"] if item.get("connect") and len(rids) >= int(TEXT_ME_DIGIT) else []
            for use in taken:
                src.error(item, "reserved-digit", f"node '{nid}': {use} would take digit {TEXT_ME_DIGIT}, which "
                          f"texts a caller this topic's numbers (a topic with connect: lists at most "
                          f"{int(TEXT_ME_DIGIT) - 1} organizations)", "resources")
        for rid in rids:
            if rid not in resources:
                src.error(item, "unknown-resource", f"node '{nid}' lists resource '{rid}', which resources.yaml does not have", "resources")
        key = str(item["key"]) if item.get("key") is not None else None
        if key is not None and (key not in rids or key not in resources):
            src.error(item, "unknown-resource", f"node '{nid}': key '{key}' is not one of the organizations it lists "
                      f"({', '.join(rids) or 'none'})", "key")
            key = None
        nodes[str(nid)] = Node(str(nid), tuple(options), tuple(r for r in rids if r in resources), bool(item.get("connect")),
                               key)
    for nid, node in nodes.items():
        for opt in node.options:
            if opt.goto not in nodes:
                src.error(data[nid], "unknown-goto", f"node '{nid}': option {opt.digit} goes to '{opt.goto}', which is not in the menu", "options")
    return nodes


def _messages(src: Source, origins: dict | None = None, code: str = SOURCE_LANGUAGE) -> dict[str, str]:
    data = src.mapping("message ids and their text")
    found = {}
    for mid, text in data.items():
        if mid == "_meta":
            continue
        if text is None or isinstance(text, (dict, list)) or not str(text).strip():
            src.error(data, "missing-text", f"{mid}: text missing", mid)
            continue
        found[str(mid)] = str(text)
        if origins is not None:
            origins[(code, str(mid))] = (src.rel, src.where(data, mid)[0])
    return found


def load(root: Path, keep_errors: bool = False,
         files: Mapping[str, bytes] | None = None) -> tuple[Catalog | None, list[Problem]]:
    """Load the content folder; the catalog is None when there are errors (unless keep_errors, for reports).
    files, when given, stands for the YAML files (a saved last good version); audio is always the folder's."""
    root = Path(root)
    problems: list[Problem] = []
    sources = {rel: Source(root, rel, problems, files) for rel in (
        "prompts/languages.yaml", "prompts/resources.yaml", "prompts/menu.yaml", "prompts/en.yaml", "prompts/schedule.yaml")}
    languages = _languages(sources["prompts/languages.yaml"], root)
    for lang in languages:
        if lang.code != SOURCE_LANGUAGE:
            rel = f"translations/{lang.code}.yaml"
            sources[rel] = Source(root, rel, problems, files)
    unreadable = [p for p in problems if p.code in UNREADABLE]
    if unreadable:   # every other check would compare with a file that could not be read: only misleading
        return None, sorted(unreadable)
    resources = _resources(sources["prompts/resources.yaml"])
    nodes = _nodes(sources["prompts/menu.yaml"], resources)
    english = sources["prompts/en.yaml"]
    origins: dict[tuple[str, str], tuple[str, int]] = {}
    messages = {SOURCE_LANGUAGE: _messages(english, origins)}
    if languages and languages[0].code != SOURCE_LANGUAGE and not any(l.code == SOURCE_LANGUAGE for l in languages):
        sources["prompts/languages.yaml"].error(None, "missing-field", "English (en) must be one of the languages")
    for lang in languages:
        if lang.code == SOURCE_LANGUAGE:
            continue
        rel = f"translations/{lang.code}.yaml"
        messages[lang.code] = _messages(sources[rel], origins, lang.code)
        rules.check_translation(sources[rel], lang.code, messages, nodes, resources)
    rules.check_english(english, messages, nodes, resources)
    rules.check_voices(sources["prompts/languages.yaml"], root, languages)
    rules.check_keywords(sources["prompts/languages.yaml"], languages)
    rules.check_meanings(sources["prompts/languages.yaml"], sources, languages, messages, nodes)
    rules.check_hints(sources, languages, messages, nodes)
    schedule = parse_schedule(sources["prompts/schedule.yaml"], resources)
    audio = rules.audio_files(root, languages)
    stamps = "".join(f"{code}/{name}:{stamp}\n" for code, files in audio.items() for name, stamp in files.items())
    version = hashlib.sha256(b"".join(s.raw for s in sources.values()) + stamps.encode()).hexdigest()[:12]
    if errors(problems) and not keep_errors:
        return None, sorted(problems)
    catalog = Catalog(tuple(languages), nodes, resources, messages, version=version, schedule=schedule,
                      origins=origins, audio=audio,
                      files={rel: src.raw for rel, src in sources.items()})
    if not errors(problems):
        catalog = _recorded(catalog, sources["prompts/languages.yaml"], problems)
    return catalog, sorted(problems)


def _recorded(catalog: Catalog, src: Source, problems: list[Problem]) -> Catalog:
    """A language with no voice (voice: none) is offered on calls once every prompt has a person's recording;
    a recording of a prompt whose text has since changed is reported."""
    from hotline import audio   # the channels need a whole catalog: imported here, not when content loads

    items = src.data.get("languages") if isinstance(src.data, dict) else None
    where = {str(i.get("code")): i for i in items if isinstance(i, dict)} if isinstance(items, list) else {}
    complete = []
    for lang in catalog.languages:
        for name in audio.stale(catalog, lang.code):
            problems.append(Problem(f"prompts/audio/{lang.code}/{name}", 1, 1, "stale-recording",
                                    "a recording of a prompt whose text has since changed (or that is no longer "
                                    "said): record the prompt again on the /record page, then delete this file",
                                    "warning"))
        if lang.spoken or lang.voice is not None or lang.espeak:
            continue
        done, total = audio.progress(catalog, lang.code)
        if done == total:
            complete.append(lang.code)
        else:
            src.warn(where.get(lang.code), "text-only", f"'{lang.code}' has no voice yet: offered by text only until "
                     f"every prompt is recorded ({done} of {total}: record them on the /record page, or list them "
                     f"with `hotline audio --lang {lang.code} --script FILE`)", "voice")
    return catalog.with_spoken(*complete) if complete else catalog
