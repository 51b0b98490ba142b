"""The Signs of Safety scale over time, drawn on the server as inline SVG
(templates/assessments/_scale_chart.html): no script, no library. One line per kind of contributor
(practitioner, family, child), a point at each scale given, 0 to 10 up the side and time along the
bottom. Each line has its own colour, dash and marker, so that none depends on colour alone; the
template puts the same numbers in a table, and the SVG has a title and a description in words."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.dateformat import format as date_format

from assessments.choices import ScaledBy
from assessments.selectors import ScalePoint, ScaleSeries

TEXT_COLOUR = "#0b0c0c"
AXIS_COLOUR = "#505a5f"
GRID_COLOUR = "#b1b4b6"
# GOV.UK blue, green and purple on white: 5.2:1, 5.9:1 and 10:1, above WCAG 2.2's 3:1 for graphics.
STYLES = {
    ScaledBy.PRACTITIONER: ("#1d70b8", "", "circle"),
    ScaledBy.FAMILY: ("#00703c", "8 4", "square"),
    ScaledBy.CHILD: ("#4c2c92", "2 4", "diamond"),
}

WIDTH = 640
LEFT = 40  # room for the 0-10 labels
RIGHT = 24
PAD = 12  # keeps the first and last points off the axes
TOP = 12
PLOT_HEIGHT = 200
X_LABELS_HEIGHT = 28
LEGEND_ROW = 22
MARKER = 5
MAX_SCALE = 10


def _date(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j M Y")


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    scale: int
    at: datetime
    words: str  # "6 on 3 Mar 2026"
    shape: str = "circle"

    @property
    def marker(self) -> str:
        """The SVG path of this point's marker."""
        x, y, r, shape = self.x, self.y, MARKER, self.shape
        if shape == "square":
            return f"M{x - r:.1f},{y - r:.1f}h{2 * r}v{2 * r}h{-2 * r}z"
        if shape == "diamond":
            r += 1
            return f"M{x:.1f},{y - r:.1f}l{r},{r}l{-r},{r}l{-r},{-r}z"
        return f"M{x - r:.1f},{y:.1f}a{r},{r} 0 1,0 {2 * r},0a{r},{r} 0 1,0 {-2 * r},0"


@dataclass(frozen=True)
class ChartLine:
    key: str
    label: str
    colour: str
    dash: str
    shape: str
    points: list[ChartPoint]
    legend_y: int

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points))

    @property
    def legend_marker(self) -> str:
        return ChartPoint(
            x=LEFT + 18, y=self.legend_y - 5, scale=0, at=None, words="", shape=self.shape
        ).marker

    @property
    def words(self) -> str:
        if not self.points:
            return f"{self.label}: no scale yet"
        return f"{self.label}: " + ", ".join(point.words for point in self.points)


@dataclass(frozen=True)
class ScaleChart:
    lines: list[ChartLine]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, str, str]]  # x, the date, text-anchor
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: float  # the y of scale 0
    text_colour: str = TEXT_COLOUR
    axis_colour: str = AXIS_COLOUR
    grid_colour: str = GRID_COLOUR

    @property
    def description(self) -> str:
        return (
            "How worried are we, from 0 (the child will be harmed) to 10 (safe enough to close), over "
            "time. " + "; ".join(line.words for line in self.lines) + "."
        )

    @property
    def has_points(self) -> bool:
        return any(line.points for line in self.lines)


def _y(scale: int) -> float:
    return TOP + PLOT_HEIGHT * (MAX_SCALE - scale) / MAX_SCALE


def scale_chart(series: list[ScaleSeries]) -> ScaleChart:
    """Lay out the scales (assessments.selectors.scaling_series) on one time axis."""
    moments = [point.at for one in series for point in one.points]
    right_edge = WIDTH - RIGHT
    first, last = (min(moments), max(moments)) if moments else (None, None)
    span = (last - first).total_seconds() if moments else 0

    def x(moment: datetime) -> float:
        if not span:
            return (LEFT + right_edge) / 2
        return LEFT + PAD + (right_edge - LEFT - 2 * PAD) * (moment - first).total_seconds() / span

    bottom = _y(0)
    legend_top = bottom + X_LABELS_HEIGHT + LEGEND_ROW
    lines = []
    for index, one in enumerate(series):
        colour, dash, shape = STYLES.get(one.scaled_by, (TEXT_COLOUR, "", "circle"))
        points = [_point(point, x(point.at), shape) for point in one.points]
        lines.append(
            ChartLine(
                key=one.scaled_by,
                label=one.label,
                colour=colour,
                dash=dash,
                shape=shape,
                points=points,
                legend_y=round(legend_top + index * LEGEND_ROW),
            )
        )
    if not moments:
        x_ticks = []
    elif not span:
        x_ticks = [(x(first), _date(first), "middle")]
    else:
        x_ticks = [(x(first), _date(first), "start"), (x(last), _date(last), "end")]
        middle = first + (last - first) / 2
        if _date(middle) not in (_date(first), _date(last)):
            x_ticks.insert(1, (x(middle), _date(middle), "middle"))
    return ScaleChart(
        lines=lines,
        y_ticks=[(_y(value), value) for value in range(0, MAX_SCALE + 1, 2)],
        x_ticks=x_ticks,
        width=WIDTH,
        height=round(legend_top + len(series) * LEGEND_ROW),
        left=LEFT,
        right=right_edge,
        top=TOP,
        bottom=bottom,
    )


def _point(point: ScalePoint, x: float, shape: str) -> ChartPoint:
    words = f"{point.scale} on {_date(point.at)}"
    return ChartPoint(x=x, y=_y(point.scale), scale=point.scale, at=point.at, words=words, shape=shape)
