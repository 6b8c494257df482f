"""Structured logs: one JSON object a line, never a phone number or a message body."""
from __future__ import annotations

import json
import logging
import sys
import time

import orjson

# Attributes every LogRecord has; anything else was passed with extra= and is logged as a field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
FIELDS = "_hotline_fields"   # where record() puts a line's fields on its LogRecord (a name no other attribute has)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line with its extra fields (a line a request: kept cheap)."""

    _second, _stamp = -1, ""

    def _time(self, created: float) -> str:
        second = int(created)
        if second != self._second:   # the local time text is made once a second, not once a line
            self._second, self._stamp = second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        return f"{self._stamp},{int((created - second) * 1000):03d}"

    def format(self, record: logging.LogRecord) -> str:
        fields = record.__dict__.get(FIELDS)
        if fields is None:   # not record()'s line: the fields given with extra=, found among the record's attributes
            fields = {key: value for key, value in record.__dict__.items() if key not in _STANDARD and key[0] != "_"}
        if record.exc_info and record.exc_info[0]:
            fields = {**fields, "exception": record.exc_info[0].__name__}
        return self.line(record.created, record.levelname.lower(), record.name, record.getMessage(), fields)

    def line(self, created: float, level: str, name: str, event: str, fields: dict) -> str:
        """One event as its JSON line: when, how grave, where from, what, and its fields."""
        entry = {"time": self._time(created), "level": level, "logger": name, "event": event}
        entry.update(fields)
        try:
            return orjson.dumps(entry, default=str).decode()
        except TypeError:   # what orjson cannot write (a key that is not text, a huge integer): the slow way
            return json.dumps(entry, ensure_ascii=False, default=str)


class JsonLines(logging.StreamHandler):
    """The hotline's own handler (configure()): JSON lines on a stream, which record() writes to directly."""

    def __init__(self, stream):
        super().__init__(stream)
        self.setFormatter(JsonFormatter())

    def write(self, name: str, event: str, fields: dict) -> None:
        """Write one INFO line as it is made, as emit() would write a record of it."""
        line = self.formatter.line(time.time(), "info", name, event, fields) + self.terminator
        with self.lock:
            self.stream.write(line)
            self.flush()


def _handlers(logger: logging.Logger) -> list[logging.Handler]:
    """The handlers a record logged on this logger reaches, as Logger.callHandlers walks them."""
    found, current = [], logger
    while current is not None:
        found += current.handlers
        current = current.parent if current.propagate else None
    return found


def record(logger: logging.Logger, event: str, fields: dict) -> None:
    """Log one event with its fields at INFO: what logger.info(event, extra=fields) does. When the only handler is
    the hotline's own (configure(): stderr, JSON lines, no filter), the line is written as it is made, without a
    LogRecord (which looks up the thread, the process and the caller's file: most of a request's cost of logging,
    measured); any other handler (a test's, an operator's) gets a record, with the fields kept together on it."""
    if not logger.isEnabledFor(logging.INFO):
        return
    handlers = _handlers(logger)
    if len(handlers) == 1 and type(handlers[0]) is JsonLines and not (handlers[0].filters or logger.filters
                                                                      or logger.disabled):
        try:
            handlers[0].write(logger.name, event, fields)
            return
        except Exception:   # a closed or broken stream: the handler's own way of reporting it, as for any record
            pass
    logger.handle(logger.makeRecord(logger.name, logging.INFO, "", 0, event, (), None, extra={FIELDS: fields}))


def configure(level: int = logging.INFO) -> None:
    """Send the hotline's logs to stderr as JSON lines (once per process)."""
    root = logging.getLogger("hotline")
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    root.addHandler(JsonLines(sys.stderr))
    root.setLevel(level)
    root.propagate = False
