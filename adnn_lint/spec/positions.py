"""Where each key and value of a TOML document sits (tomllib reports positions only for syntax
errors, and no maintained TOML library exposes them for keys).

The scanner runs only on text that ``tomllib`` already accepted, so it can stay small: it follows
table headers (``[a.b]``), arrays of tables (``[[a.b]]``, counting their elements), dotted keys,
inline tables and arrays (which may span lines), and skips strings and comments.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from adnn_lint.spec.errors import KeyPath

_BARE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Positions:
    """1-based (line, column) of each key and of each value, by key path."""

    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def key(self, path: KeyPath) -> tuple[int, int]:
        """The key at ``path``, else the nearest enclosing key or table header that exists."""
        return self._nearest(self.keys, path)

    def value(self, path: KeyPath) -> tuple[int, int]:
        """The value at ``path``; falls back to its key, then to the enclosing table."""
        if path in self.values:
            return self.values[path]
        return self._nearest(self.keys, path)

    @staticmethod
    def _nearest(table: dict[KeyPath, tuple[int, int]], path: KeyPath) -> tuple[int, int]:
        for end in range(len(path), 0, -1):
            if path[:end] in table:
                return table[path[:end]]
        return (1, 1)  # the document itself


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self.out = Positions()
        self.aot: dict[KeyPath, int] = {}

    def where(self, pos: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, pos)
        return (line, pos - self.starts[line - 1] + 1)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_blank(self, newlines: bool) -> None:
        """Skip spaces and comments (and newlines when inside brackets)."""
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in " \t" or (newlines and ch in "\r\n"):
                self.pos += 1
            elif ch == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def run(self) -> Positions:
        table: KeyPath = ()
        while self.pos < len(self.text):
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                break
            if self.text.startswith("[[", self.pos):
                start = self.pos
                self.pos += 2
                parts = self.dotted_key()
                self.skip_blank(newlines=False)
                self.pos += 2  # ]]
                table = self.resolve(parts, array=True)
                self.out.keys[table] = self.where(start)
                self.out.keys.setdefault(table[:-1], self.where(start))
            elif self.peek() == "[":
                start = self.pos
                self.pos += 1
                parts = self.dotted_key()
                self.skip_blank(newlines=False)
                self.pos += 1  # ]
                table = self.resolve(parts, array=False)
                self.out.keys.setdefault(table, self.where(start))
            else:
                self.key_value(table)
        return self.out

    def resolve(self, parts: list[str], *, array: bool) -> KeyPath:
        path: KeyPath = ()
        for i, part in enumerate(parts):
            path = (*path, part)
            last = i == len(parts) - 1
            if last and array:
                self.aot[path] = self.aot.get(path, -1) + 1
                path = (*path, self.aot[path])
            elif path in self.aot:
                path = (*path, self.aot[path])
        return path

    def dotted_key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_blank(newlines=False)
            parts.append(self.simple_key())
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return parts
            self.pos += 1

    def simple_key(self) -> str:
        ch = self.peek()
        if ch in "\"'":
            return self.string()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _BARE:
            self.pos += 1
        return self.text[start : self.pos]

    def key_value(self, table: KeyPath) -> None:
        start = self.pos
        parts = self.dotted_key()
        path: KeyPath = (*table, *parts)
        self.out.keys[path] = self.where(start)
        self.skip_blank(newlines=False)
        self.pos += 1  # =
        self.skip_blank(newlines=False)
        self.value(path)

    def value(self, path: KeyPath) -> None:
        self.out.values[path] = self.where(self.pos)
        ch = self.peek()
        if ch == "[":
            self.pos += 1
            index = 0
            while True:
                self.skip_blank(newlines=True)
                if self.peek() == "]":
                    self.pos += 1
                    return
                self.out.keys[(*path, index)] = self.where(self.pos)
                self.value((*path, index))
                index += 1
                self.skip_blank(newlines=True)
                if self.peek() == ",":
                    self.pos += 1
        elif ch == "{":
            self.pos += 1
            while True:
                self.skip_blank(newlines=False)
                if self.peek() == "}":
                    self.pos += 1
                    return
                self.key_value(path)
                self.skip_blank(newlines=False)
                if self.peek() == ",":
                    self.pos += 1
        elif ch in "\"'":
            self.string()
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in ",]}#\r\n":
                self.pos += 1

    def string(self) -> str:
        quote = self.text[self.pos]
        if self.text.startswith(quote * 3, self.pos):
            end = self.text.find(quote * 3, self.pos + 3)
            # A multi-line string may end with up to two extra quotes before the delimiter.
            while self.text.startswith(quote, end + 3):
                end += 1
            body = self.text[self.pos + 3 : end]
            self.pos = end + 3
            return body
        self.pos += 1
        chars: list[str] = []
        while self.pos < len(self.text) and self.text[self.pos] != quote:
            ch = self.text[self.pos]
            if quote == '"' and ch == "\\":
                chars.append(self.escape())
                continue
            chars.append(ch)
            self.pos += 1
        self.pos += 1
        return "".join(chars)

    def escape(self) -> str:
        code = self.text[self.pos + 1]
        if code in "uU":
            width = 4 if code == "u" else 8
            digits = self.text[self.pos + 2 : self.pos + 2 + width]
            self.pos += 2 + width
            return chr(int(digits, 16))
        self.pos += 2
        return _ESCAPES.get(code, code)


def locate(text: str) -> Positions:
    """Positions of every key and value in ``text``, which must already be valid TOML."""
    return _Scanner(text).run()
