"""Bar and column charts drawn on the server as inline SVG: no script and no style attribute, which the CSP forbids.

Every label goes through Markup.format, which escapes it. Colours come from classes in static/staff.css.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

Counts = Sequence[tuple[str, int]]

WIDTH = 640
CHAR_WIDTH = 7  # about how wide a character of the 12-pixel labels is
LONGEST_LABEL = 34
ROW_HEIGHT = 24
BAR_THICKNESS = 16
COLUMN_CHART_HEIGHT = 220
MOST_COLUMN_LABELS = 12


@dataclass(frozen=True)
class Chart:
    """A chart and the same figures as a table, so a screen reader gets the numbers."""

    id: str
    caption: str
    svg: Markup
    columns: tuple[str, str]  # the table's headings: what is counted, and the count
    rows: Counts


def _svg(chart_id: str, title: str, height: int, body: Markup) -> Markup:
    return Markup(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-title">'
        '<title id="{id}-title">{title}</title>{body}</svg>'
    ).format(w=WIDTH, h=height, id=chart_id, title=title, body=body)


def _text(x: float, y: float, text, anchor: str = "start", css_class: str = "chart-label") -> Markup:
    return Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="{}" class="{}">{}</text>').format(
        x, y, anchor, css_class, text
    )


def _rect(x: float, y: float, width: float, height: float, css_class: str) -> Markup:
    return Markup('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" class="{}"/>').format(
        x, y, width, height, css_class
    )


def _short(label: str) -> str:
    return label if len(label) <= LONGEST_LABEL else label[: LONGEST_LABEL - 1] + "…"


def _nothing(chart_id: str, title: str) -> Markup:
    return _svg(chart_id, title, 40, _text(8, 24, "Nothing in this period.", css_class="chart-empty"))


def bar_chart(chart_id: str, title: str, rows: Counts, row_classes: Mapping[str, str] | None = None) -> Markup:
    """Horizontal bars, one row per label, with the count at the end of each bar."""
    if not rows:
        return _nothing(chart_id, title)
    label_width = CHAR_WIDTH * max(len(_short(label)) for label, _ in rows) + 12
    longest_bar = WIDTH - label_width - 48  # room for the count after the bar
    most = max(count for _, count in rows) or 1
    parts = []
    for index, (label, count) in enumerate(rows):
        top = index * ROW_HEIGHT + 4
        middle = top + BAR_THICKNESS / 2 + 4
        length = longest_bar * count / most
        css_class = " ".join(filter(None, ["chart-bar", (row_classes or {}).get(label)]))
        parts += [
            _text(label_width - 6, middle, _short(label), anchor="end"),
            _rect(label_width, top, length, BAR_THICKNESS, css_class),
            _text(label_width + length + 4, middle, count),
        ]
    return _svg(chart_id, title, len(rows) * ROW_HEIGHT + 8, Markup("").join(parts))


def column_chart(chart_id: str, title: str, points: Counts, label_last: bool = False) -> Markup:
    """Vertical columns in order (days, hours), labelled below every few columns so the labels never overlap.

    `label_last` counts the labelled columns from the last one (today), not from the first.
    """
    if not points:
        return _nothing(chart_id, title)
    left, right, top, bottom = 36, 8, 20, 28
    plot_width, plot_height = WIDTH - left - right, COLUMN_CHART_HEIGHT - top - bottom
    baseline = top + plot_height
    column_width = plot_width / len(points)
    most = max(count for _, count in points)
    label_every = math.ceil(len(points) / MOST_COLUMN_LABELS)
    show_counts = len(points) <= 31  # above that the numbers would touch; the table has them
    parts = [
        _rect(left, top, plot_width, 1, "chart-grid"),
        _rect(left, baseline, plot_width, 1, "chart-axis"),
        _text(left - 6, top + 4, most, anchor="end"),
        _text(left - 6, baseline + 4, 0, anchor="end"),
    ]
    for index, (label, count) in enumerate(points):
        height = plot_height * count / most if most else 0
        x = left + index * column_width
        centre = x + column_width / 2
        parts.append(_rect(x + column_width * 0.15, baseline - height, column_width * 0.7, height, "chart-bar"))
        if show_counts and count:
            parts.append(_text(centre, baseline - height - 4, count, anchor="middle", css_class="chart-count"))
        if (len(points) - 1 - index if label_last else index) % label_every == 0:
            parts.append(_text(centre, baseline + 18, label, anchor="middle"))
    return _svg(chart_id, title, COLUMN_CHART_HEIGHT, Markup("").join(parts))
