"""The class report as a picture (PNG): accuracy per theme and participation, drawn with matplotlib.

Chinese needs a CJK font. The project's set-up installs one (Debian's fonts-wqy-microhei in
`.ci/run`); any of ``CJK_FONTS`` found at run time is used. Without one the chart falls back to
ASCII labels, and the log says why, rather than drawing boxes.
"""

from __future__ import annotations

import io
import logging
from functools import cache

from bot.engine.model import Theme
from bot.services.reports import ClassReport

log = logging.getLogger(__name__)

CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)
ASCII_THEMES = {
    Theme.KNOWLEDGE: "Knowledge",
    Theme.HARM: "Harm",
    Theme.PREVENTION: "Prevention",
    Theme.LAW: "Law",
    Theme.HISTORY: "History",
    Theme.POLICY: "Policy",
    Theme.YINJIANG: "Yinjiang",
}
GREEN, AMBER, RED, GREY = "#2e7d32", "#f9a825", "#c62828", "#cfd8dc"


@cache
def cjk_font() -> str | None:
    """The first installed CJK font family, or None (logged once)."""
    from matplotlib import font_manager

    for attempt in range(2):
        installed = {f.name for f in font_manager.fontManager.ttflist}
        for family in CJK_FONTS:
            if family in installed:
                return family
        if attempt == 0:  # matplotlib's font cache may predate the font: look at the system's files once
            for path in font_manager.findSystemFonts():
                if any(key in path.lower() for key in ("wqy", "notosanscjk", "sourcehansans", "simhei", "msyh")):
                    font_manager.fontManager.addfont(path)
    log.warning("no CJK font found (tried %s): report charts use English labels", ", ".join(CJK_FONTS))
    return None


def report_chart(report: ClassReport, *, chinese: bool | None = None) -> bytes:
    """A PNG of the report: accuracy per theme (bars) and participation (a bar of members).

    ``chinese`` None: Chinese labels when a CJK font is installed.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    font = cjk_font() if chinese is not False else None
    zh = font is not None
    labels = _labels(zh)
    figure = Figure(figsize=(8, 5.2), dpi=120, layout="constrained")
    text_style = {"fontfamily": font} if zh else {}
    grid = figure.add_gridspec(2, 1, height_ratios=[4, 1])
    bars, part = figure.add_subplot(grid[0]), figure.add_subplot(grid[1])

    themes = [t for t in Theme if t in report.themes and report.themes[t][1] > 0]
    names = [t.label if zh else ASCII_THEMES[t] for t in themes]
    values = [100 * report.themes[t][0] / report.themes[t][1] for t in themes]
    colors = [GREEN if v >= 85 else AMBER if v >= 60 else RED for v in values]
    positions = range(len(themes))
    bars.barh(list(positions), values, color=colors, zorder=2)
    bars.set_yticks(list(positions), names, **text_style)
    bars.invert_yaxis()
    bars.set_xlim(0, 100)
    bars.set_xlabel(labels["accuracy"], **text_style)
    bars.axvline(60, color="#607d8b", linestyle="--", linewidth=1, zorder=0)
    bars.axvline(85, color="#607d8b", linestyle=":", linewidth=1, zorder=0)
    for y, (value, theme) in enumerate(zip(values, themes, strict=True)):
        right, total = report.themes[theme]
        label = f"{value:.0f}%  ({right}/{total})"
        if value >= 85:  # inside the (dark green) bar's end, in white
            bars.text(value - 1.5, y, label, va="center", ha="right", fontsize=9, color="white", fontweight="bold")
        else:
            box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}
            bars.text(value + 1.5, y, label, va="center", ha="left", fontsize=9, bbox=box, zorder=3)
    if not themes:
        bars.text(50, 0.5, labels["empty"], ha="center", va="center", transform=bars.transData, **text_style)
        bars.set_yticks([])
    title = labels["title"].format(name=report.class_name if zh else "", period=labels[report.period.value])
    bars.set_title(title, fontsize=13, **text_style)

    members = max(report.members, 1)
    part.barh([0], [report.participants], color=GREEN)
    part.barh([0], [members - report.participants], left=[report.participants], color=GREY)
    part.set_xlim(0, members)
    part.xaxis.set_major_locator(MaxNLocator(integer=True))  # students are counted in whole numbers
    part.set_yticks([])
    part.set_xlabel(
        labels["participation"].format(
            done=report.participants, members=report.members, percent=100 * report.participation
        ),
        **text_style,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _labels(zh: bool) -> dict[str, str]:
    if zh:
        return {
            "title": "{name} · {period}各主题正确率",
            "accuracy": "正确率（%）  虚线：60% 及格，点线：85% 优秀",
            "participation": "参与率：{done}/{members} 人（{percent:.0f}%）",
            "empty": "这段时间还没有答题记录",
            "week": "本周",
            "month": "本月",
            "all": "全部",
        }
    return {
        "title": "Accuracy by theme ({period}){name}",
        "accuracy": "Accuracy (%)  dashed: 60% pass, dotted: 85% excellent",
        "participation": "Participation: {done}/{members} students ({percent:.0f}%)",
        "empty": "No answers in this period yet",
        "week": "this week",
        "month": "this month",
        "all": "all time",
    }
