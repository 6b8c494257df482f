"""A spreadsheet round trip for translators: id, English, translation, notes (CSV, UTF-8 with BOM)."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from hotline.content.catalog import SOURCE_LANGUAGE, Catalog, wanted
from hotline.content.edit import TranslationFile, placeholders

HEADER_TRANSLATION = re.compile(r"^translation \((?P<code>[A-Za-z-]+)\)$")
SAVE_AS_UTF8 = ("save it again as \"CSV UTF-8 (Comma delimited)\" in Excel, or as Text CSV with the character set "
                "\"Unicode (UTF-8)\" in LibreOffice, then import that file")


class ImportRefused(ValueError):
    """The spreadsheet cannot be imported; nothing was written. Each reason names a row."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("\n".join(reasons))


@dataclass
class ImportReport:
    """What an import changed."""

    code: str
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    unchanged: int = 0
    complete: bool = False


def _notes(catalog: Catalog, msg_id: str, english: str) -> str:
    notes = []
    keep = sorted(placeholders(english))
    if keep:
        notes.append("keep " + " ".join(f"{{{p}}}" for p in keep) + " exactly as written")
    if msg_id.endswith(".label"):
        notes.append("a menu item: keep it short")
    elif msg_id.endswith(".words") or msg_id.startswith("keyword."):
        notes.append("words people may text, separated by commas")
    elif msg_id.endswith(".voice"):
        notes.append("spoken on calls")
    elif msg_id.endswith(".key"):
        notes.append("said first in the topic, the fact that protects the family: it must fit the first text message")
    return "; ".join(notes)


def export(catalog: Catalog, code: str, out: Path) -> int:
    """Write every English message with its current translation; returns the number of rows."""
    english = catalog.messages[SOURCE_LANGUAGE]
    current = catalog.messages.get(code, {})
    ids = [mid for mid in english if wanted(code, mid)] + [mid for mid in current if mid not in english
                                                           and mid.startswith("name.")]
    with Path(out).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "English", f"translation ({code})", "notes"])
        for mid in ids:
            writer.writerow([mid, english.get(mid, ""), current.get(mid, ""), _notes(catalog, mid, english.get(mid, ""))])
    return len(ids)


def _lost_letters(text: str, english: str) -> bool:
    """Whether a translation's letters were replaced by question marks, as a spreadsheet saved in a legacy
    encoding (Excel's "CSV (Comma delimited)") does to every letter its code page lacks (Arabic, Polish ł...)."""
    return "??" in text and "??" not in english or text.count("?") > english.count("?") + 2


def _read(path: Path) -> tuple[str, list[dict]]:
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError:
        raise ImportRefused([f"{path}: the file is not saved as UTF-8, so its letters cannot be read; "
                             f"{SAVE_AS_UTF8}"]) from None
    if not rows:
        raise ImportRefused([f"{path}: the file is empty"])
    header = [h.strip() for h in rows[0]]
    match = HEADER_TRANSLATION.match(header[2]) if len(header) >= 3 else None
    if header[:2] != ["id", "English"] or not match:
        raise ImportRefused([f"{path}:1: the first row must be: id, English, translation (CODE), notes "
                             "(export a fresh file with `hotline export`)"])
    return match["code"], [dict(zip(("id", "english", "translation"), row + ["", "", ""])) | {"row": n}
                           for n, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]


def import_csv(catalog: Catalog, root: Path, path: Path, translator: str = "spreadsheet import",
               reviewed: bool = False) -> ImportReport:
    """Write a translator's spreadsheet back into translations/<code>.yaml, or refuse it whole.

    Each changed row becomes a person's translation (its machine note goes). The whole file is
    marked human and reviewed today only when the translator says every row was reviewed.
    """
    code, rows = _read(path)
    if not catalog.has_language(code) or code == SOURCE_LANGUAGE:
        raise ImportRefused([f"{path}:1: '{code}' is not a translated language of the hotline"])
    english = catalog.messages[SOURCE_LANGUAGE]
    reasons = []
    for row in rows:
        mid, text = row["id"].strip(), row["translation"].strip()
        known = mid in english or (mid.startswith("name.") and mid.split(".")[1] in catalog.resources)
        if not known:
            reasons.append(f"{path}:{row['row']}: '{mid}' is not a message id of the hotline")
        elif text and _lost_letters(text, english.get(mid, "")):
            reasons.append(f"{path}:{row['row']}: {mid}: letters were replaced by question marks (the spreadsheet "
                           f"was saved in a legacy encoding); {SAVE_AS_UTF8}")
        elif text and mid in english and placeholders(text) != placeholders(english[mid]):
            want = " ".join(f"{{{p}}}" for p in sorted(placeholders(english[mid]))) or "none"
            reasons.append(f"{path}:{row['row']}: {mid}: the placeholders were changed (keep: {want})")
    if reasons:
        raise ImportRefused(reasons)
    target = TranslationFile(root, code)
    before = target.messages()
    report = ImportReport(code)
    for row in rows:
        mid, text = row["id"].strip(), row["translation"].strip().replace("\r\n", "\n")
        if not text:
            continue
        if before.get(mid) == text and not target.is_machine(mid):
            report.unchanged += 1
            continue
        (report.changed if mid in before else report.added).append(mid)
        target.set(mid, text)
    after = target.messages()
    missing = [mid for mid in english if mid not in after and not mid.endswith(".words") and wanted(code, mid)]
    if reviewed and missing:
        raise ImportRefused([f"{path}: --reviewed, but {len(missing)} messages have no translation yet "
                             f"(first: {missing[0]}); nothing was imported"])
    if reviewed:
        for mid in after:
            if target.is_machine(mid):
                target.set(mid, after[mid])
        target.mark_reviewed(translator)
    report.complete = reviewed
    if report.changed or report.added or reviewed:
        target.save()
    return report
