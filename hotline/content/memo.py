"""Caches that live exactly as long as the catalog they were computed from.

functools.lru_cache keyed on a catalog keeps every catalog ever served alive until its entries are pushed
out, so each content reload would cost a worker memory. Here each catalog gets caches of its own, held
weakly: when a reload replaces the catalog, its caches go with it.
"""
from __future__ import annotations

import functools
import threading
import weakref


def per_catalog(maxsize: int | None = 1024):
    """Memoize fn(catalog, *args) per catalog, dropping a catalog's entries when the catalog is dropped."""

    def decorate(fn):
        tables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        lock = threading.Lock()

        @functools.wraps(fn)
        def cached(catalog, *args):
            table = tables.get(catalog)
            if table is None:
                owner = weakref.ref(catalog)   # the cache must not keep its own catalog alive
                with lock:
                    table = tables.setdefault(catalog, functools.lru_cache(maxsize)(lambda *a: fn(owner(), *a)))
            return table(*args)

        cached.cache_clear = tables.clear
        return cached

    return decorate
