"""Bar charts drawn on the server as inline SVG (templates/returns/_chart_bar.html): no script, no
library. Each chart is one figure's numbers laid out; the template puts the same numbers in a table
under it, and the SVG carries a title and a description that says them in words."""

from dataclasses import dataclass

# GOV.UK blue on white is 5.2:1 and GOV.UK black 19:1: both pass WCAG 2.2 AA for graphics and text.
BAR_COLOUR = "#1d70b8"
TEXT_COLOUR = "#0b0c0c"
AXIS_COLOUR = "#505a5f"

WIDTH = 640
BAR_AREA = 520  # the longest bar; the rest of the width holds its value
ROW = 46  # each bar: its label above, then the bar
LABEL_Y = 16
BAR_Y = 22
BAR_HEIGHT = 18
TOP = 4


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as read: "12", "80%", "No data"
    label_y: int
    bar_y: int
    width: int
    text_x: int
    text_y: int


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    bar_height: int
    axis_height: int
    colour: str = BAR_COLOUR
    text_colour: str = TEXT_COLOUR
    axis_colour: str = AXIS_COLOUR

    @property
    def description(self) -> str:
        return "; ".join(f"{bar.label}: {bar.text}" for bar in self.bars) + "."


def bar_chart(rows, *, maximum: float | None = None) -> BarChart:
    """A horizontal bar per row (`label`, `value`, `text`); `maximum` fixes the scale (100 for
    percentages), else the largest value fills the width."""
    rows = list(rows)
    top = maximum or max([row.value or 0 for row in rows] or [0]) or 1
    bars = []
    for index, row in enumerate(rows):
        y = TOP + index * ROW
        width = round(BAR_AREA * min(row.value or 0, top) / top)
        bars.append(
            Bar(
                label=row.label,
                text=row.text,
                label_y=y + LABEL_Y,
                bar_y=y + BAR_Y,
                width=width,
                text_x=width + 8,
                text_y=y + BAR_Y + BAR_HEIGHT - 4,
            )
        )
    height = TOP + len(rows) * ROW + 4
    return BarChart(bars=bars, width=WIDTH, height=height, bar_height=BAR_HEIGHT, axis_height=height - TOP)
