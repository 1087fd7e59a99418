"""KPI names in a narrow terminal column: broken only where a reader expects a break.

``requests.time_to_data_p90@channel=sharing`` folded by characters reads as
``requests.time_to_d`` / ``ata_p90@chan…`` — a planner then copies half a word into
``--kpi``. :class:`NameCell` breaks after a ``.``, before an ``@`` and at spaces, and folds
by characters only a piece that alone is wider than the column (a very long department
name on a very narrow terminal). Its measurement tells rich the narrowest width that needs
no such fold, so a table gives the name column at least that much.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

#: Where a name may break: after a dot or a space, before an ``@``.
NAME = re.compile(r"(?<=[.\s])(?=\S)|(?=@)")
#: Where a value may break: after the comma of a CI (``[1.2 ms,`` / ``3.4 ms]``), around
#: an arrow (``fail →`` / ``pass``) or an ``and`` — never between a number and its unit.
VALUE = re.compile(r"(?<=, )|(?<= →)(?= )|(?<= and)(?= )")
#: Where prose (``55 more rows in compare.parquet``) may break: at spaces, and before the
#: ``@`` of a pattern it quotes (``'reviewers.utilisation@department=*'``).
WORDS = re.compile(r"(?<=\s)(?=\S)|(?=@)")


def pieces(text: str, breaks: re.Pattern[str] = NAME) -> list[str]:
    """``a.b@x=1`` → ``["a.", "b", "@x=1"]``: the parts a line break may fall between
    (with :data:`VALUE` a value's: after a CI's comma, at an arrow or ``and``; a number's
    dot is no place to break)."""
    found = [piece for piece in breaks.split(text) if piece]
    return found or [text]


def break_offsets(text: str, width: int, breaks: re.Pattern[str] = NAME) -> list[int]:
    """Offsets at which ``text`` (one line) is cut into lines of at most ``width`` cells,
    only between :func:`pieces`; a piece wider than ``width`` is cut by characters."""
    offsets: list[int] = []
    line = 0  # cells on the current line
    position = 0
    for piece in pieces(text, breaks):
        size = cell_len(piece.rstrip())
        if line and line + size > width:
            offsets.append(position)
            line = 0
        if size > width:  # nothing else fits: fold this piece by characters
            for index, char in enumerate(piece):
                if line and line + cell_len(char) > width:
                    offsets.append(position + index)
                    line = 0
                line += cell_len(char)
        else:
            line += cell_len(piece)
        position += len(piece)
    return offsets


class NameCell:
    """A table cell (rich markup, may hold several lines) that wraps at name boundaries
    (or where ``breaks`` says: :data:`VALUE` for a CI, :data:`WORDS` for prose)."""

    def __init__(self, markup: str, breaks: re.Pattern[str] = NAME) -> None:
        self.text = Text.from_markup(markup)
        self.breaks = breaks

    def _lines(self) -> list[Text]:
        return list(self.text.split("\n"))

    def narrowest(self) -> int:
        """The widest piece: the narrowest column that folds no word."""
        return max(
            (
                cell_len(p.rstrip())
                for line in self._lines()
                for p in pieces(line.plain, self.breaks)
            ),
            default=1,
        )

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        lines = self._lines()
        narrowest = self.narrowest()
        widest = max((line.cell_len for line in lines), default=1)
        return Measurement(narrowest, widest).clamp(max_width=options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width)
        folded = Text(end="", style=self.text.style)
        for number, line in enumerate(self._lines()):
            for index, part in enumerate(
                line.divide(break_offsets(line.plain, width, self.breaks))
            ):
                if number or index:
                    folded.append("\n")
                part.rstrip()
                folded.append_text(part)
        yield folded
