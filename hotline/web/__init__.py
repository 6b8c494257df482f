"""Thin Flask views over the adapters: parse the form, load state, step, save, render."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from hotline.content.catalog import Catalog
from hotline.sessions import Store
from hotline.settings import Settings


@dataclass
class Hotline:
    """What every view needs: settings, the current content and the session store."""

    settings: Settings
    catalog: Catalog
    store: Store


def hotline() -> Hotline:
    """The running app's Hotline."""
    return current_app.extensions["hotline"]
