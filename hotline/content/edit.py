"""Edit a translation file in place, keeping its comments and key order (ruamel round trip)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import LiteralScalarString

from hotline.content.catalog import PLACEHOLDER

MACHINE_NOTE = "machine translation: needs review by a person"


def _yaml() -> YAML:
    yaml = YAML()
    yaml.width = 4096
    yaml.preserve_quotes = True
    yaml.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


class TranslationFile:
    """translations/<code>.yaml opened for editing."""

    def __init__(self, root: Path, code: str):
        self.path = Path(root) / "translations" / f"{code}.yaml"
        self.code = code
        if self.path.exists():
            self.data = _yaml().load(self.path.read_text(encoding="utf-8")) or CommentedMap()
        else:
            self.data = CommentedMap()
            self.data.yaml_set_start_comment(f"Translation '{code}'. Same message ids as prompts/en.yaml.")
        if not isinstance(self.data.get("_meta"), dict):
            self.data.insert(0, "_meta", CommentedMap(translator=None, method="machine", reviewed=None, needs_review=True))

    @property
    def meta(self) -> CommentedMap:
        return self.data["_meta"]

    def messages(self) -> dict[str, str]:
        """The current translations, without _meta."""
        return {str(k): str(v) for k, v in self.data.items() if k != "_meta" and v is not None}

    def set(self, msg_id: str, text: str, note: str | None = None) -> None:
        """Write one translation (a block scalar when it has several lines), with an optional end-of-line note."""
        value = LiteralScalarString(text) if "\n" in text else text
        self.data[msg_id] = value
        if note:
            self.data.yaml_add_eol_comment(note, msg_id)
        elif msg_id in self.data.ca.items:
            self.data.ca.items.pop(msg_id)   # a person's translation replaces the machine note

    def is_machine(self, msg_id: str) -> bool:
        """Whether a translation still carries the machine-translation note."""
        entry = self.data.ca.items.get(msg_id)
        return bool(entry) and any(tok is not None and MACHINE_NOTE in getattr(tok, "value", "") for tok in entry)

    def mark_reviewed(self, translator: str) -> None:
        """Record that a person translated or reviewed the whole file today."""
        self.meta["translator"] = translator
        self.meta["method"] = "human"
        self.meta["reviewed"] = dt.date.today()
        self.meta["needs_review"] = False

    def save(self) -> None:
        """Write the file back, UTF-8."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("w", encoding="utf-8") as out:
            _yaml().dump(self.data, out)


def placeholders(text: str) -> set[str]:
    """The {names} a text refers to."""
    return set(PLACEHOLDER.findall(text))
