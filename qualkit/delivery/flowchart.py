"""The flow chart drawn from flow.csv: as text (CLI, tests), SVG and PNG (`tally --figures`,
the .docx report). Only the rows of flow.csv are used, so a chart can be redrawn from the CSV
of any design (labels come from the design, not from fixed stage names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pandas as pd

from .flow import ALL, TOTAL

BEFORE = ("screened", "not_eligible", "eligible", "offered")
SIDE = ("excluded", "declined_before", "not_allocated")
ALLOCATION = ("randomised", "allocated")
AFTER = (
    "declined_after",
    "started",
    "completed",
    "dropout",
    "withdrawn",
    "ongoing",
    "not_yet_followup",
    "in_analysis",
    "lost_to_followup",
    "qualitative",
)


@dataclass
class Box:
    title: str
    lines: list[str] = field(default_factory=list)
    warning: bool = False


@dataclass
class Chart:
    main: list[Box]
    side: list[Box]
    allocation: Box | None
    arms: list[Box]
    gaps: list[Box]


def _clean(flow: pd.DataFrame) -> pd.DataFrame:
    """flow.csv as written or as read back by pandas (empty cells as NaN)."""
    f = flow.copy()
    f["category"] = f["category"].fillna(TOTAL).astype(str).replace("", TOTAL)
    f["arm"] = f["arm"].fillna(ALL).astype(str)
    f["n"] = pd.to_numeric(f["n"], errors="coerce").fillna(0).astype(int)
    return f


def build_chart(flow: pd.DataFrame, checks: pd.DataFrame | None = None) -> Chart:
    f = _clean(flow)
    overall = f[f["arm"] == ALL]

    def box(stage: str, arm: str = ALL) -> Box | None:
        rows = f[(f["stage"] == stage) & (f["arm"] == arm)]
        if rows.empty:
            return None
        total = rows[rows["category"] == TOTAL]
        head = total.iloc[0] if len(total) else rows.iloc[0]
        b = Box(f"{head['label']}: {int(head['n'])}" if len(total) else str(head["label"]))
        for r in rows[rows["category"] != TOTAL].itertuples():
            b.lines.append(f"- {r.category}: {int(r.n)}")
        return b

    main = [b for s in BEFORE if (b := box(s)) is not None and s != "not_eligible"]
    side = [
        b for s in SIDE if (b := box(s)) is not None and (b.lines or not b.title.endswith(": 0"))
    ]
    alloc_stage = next((s for s in ALLOCATION if (overall["stage"] == s).any()), None)
    allocation = box(alloc_stage) if alloc_stage else None
    arms: list[Box] = []
    arm_names = [a for a in f.loc[f["stage"].isin(ALLOCATION), "arm"].unique() if a != ALL]
    for arm in arm_names:
        rows = f[(f["arm"] == arm) & f["stage"].isin((*ALLOCATION, *AFTER))]
        head = rows[rows["stage"].isin(ALLOCATION)]
        b = Box(f"{arm}: {int(head['n'].iloc[0]) if len(head) else 0}")
        for r in rows[~rows["stage"].isin(ALLOCATION)].itertuples():
            if int(r.n) == 0:
                continue  # a stage nobody reached is left out of the drawing (not of flow.csv)
            if r.stage == "declined_after" and r.category != TOTAL:
                b.lines.append(f"  - {r.category}: {int(r.n)}")
            elif r.category == TOTAL:
                b.lines.append(f"{r.label}: {int(r.n)}")
            elif r.stage == "in_analysis":
                b.lines.append(f"{r.category}: {int(r.n)}")
            else:
                b.lines.append(f"{r.label} ({r.category}): {int(r.n)}")
        arms.append(b)
    gaps = []
    if checks is not None and len(checks):
        for r in checks[
            checks["check"].astype(str).str.startswith(("flow.unaccounted", "report."))
        ].itertuples():
            gaps.append(Box(f"Uoverensstemmelse ({r.check})", [str(r.message)], warning=True))
    return Chart(main, side, allocation, arms, gaps)


def flow_text(flow: pd.DataFrame, checks: pd.DataFrame | None = None) -> str:
    """The chart as indented text, top to bottom."""
    c = build_chart(flow, checks)
    out: list[str] = []
    for b in c.main:
        out.append(b.title)
        out.extend(f"    {line}" for line in b.lines)
    for b in c.side:
        out.append(f"  -> {b.title}")
        out.extend(f"       {line}" for line in b.lines)
    if c.allocation:
        out.append(c.allocation.title)
    for b in c.arms:
        out.append(f"  [{b.title}]")
        out.extend(f"     {line}" for line in b.lines)
    for b in c.gaps:
        out.append(f"  !! {b.lines[0]}")
    return "\n".join(out) + "\n"


def flow_dot(flow: pd.DataFrame, checks: pd.DataFrame | None = None) -> str:
    """Graphviz DOT for the app; a gap between stages is drawn as a red note."""
    c = build_chart(flow, checks)

    def esc(t: str) -> str:
        return t.replace("\\", "\\\\").replace('"', '\\"')

    def label(b: Box) -> str:
        return "\\l".join(esc(x) for x in [b.title, *b.lines]) + "\\l"

    lines = ["digraph flow {", "  rankdir=TB; node [shape=box, style=rounded, fontname=Helvetica];"]
    prev = None
    for i, b in enumerate(c.main):
        lines.append(f'  m{i} [label="{label(b)}"];')
        if prev:
            lines.append(f"  {prev} -> m{i};")
        prev = f"m{i}"
    for i, b in enumerate(c.side):
        lines.append(f'  s{i} [label="{label(b)}", style=""];')
        if prev:
            lines.append(f"  {prev} -> s{i};")
    if c.allocation:
        lines.append(f'  alloc [label="{label(c.allocation)}"];')
        if prev:
            lines.append(f"  {prev} -> alloc;")
        prev = "alloc"
    for i, b in enumerate(c.arms):
        lines.append(f'  arm{i} [label="{label(b)}"];')
        lines.append(f"  {prev} -> arm{i};")
    for i, b in enumerate(c.gaps):
        lines.append(f'  gap{i} [label="{label(b)}", color=red, fontcolor=red];')
        lines.append(f"  m0 -> gap{i} [color=red, style=dashed];")
    lines.append("}")
    return "\n".join(lines)


# --- drawn figures ----------------------------------------------------------------------------
LINE_H, CHAR_W, PAD, GAP = 18, 7.2, 8, 28


def _size(b: Box) -> tuple[int, int]:
    texts = [b.title, *b.lines]
    return int(max(len(t) for t in texts) * CHAR_W + 2 * PAD), len(texts) * LINE_H + 2 * PAD


def _layout(c: Chart) -> tuple[list[tuple[Box, int, int, int, int]], int, int]:
    """Boxes with (x, y, w, h): the main column on the left, side boxes beside it, arms below."""
    placed = []
    y = PAD
    main_w = max(
        [_size(b)[0] for b in [*c.main, *([c.allocation] if c.allocation else [])]] + [200]
    )
    for b in c.main:
        w, h = _size(b)
        placed.append((b, PAD, y, w, h))
        y += h + GAP
    sy = PAD
    for b in c.side:
        w, h = _size(b)
        placed.append((b, PAD + main_w + 2 * GAP, sy, w, h))
        sy += h + GAP
    y = max(y, sy)
    if c.allocation:
        w, h = _size(c.allocation)
        placed.append((c.allocation, PAD, y, w, h))
        y += h + GAP
    x = PAD
    arm_h = 0
    for b in c.arms:
        w, h = _size(b)
        placed.append((b, x, y, w, h))
        x += w + GAP
        arm_h = max(arm_h, h)
    y += arm_h + GAP
    for b in c.gaps:
        w, h = _size(b)
        placed.append((b, PAD, y, w, h))
        y += h + GAP
    width = max(px + pw for _, px, _, pw, _ in placed) + PAD if placed else 200
    return placed, width, y


def flow_svg(flow: pd.DataFrame, checks: pd.DataFrame | None = None) -> str:
    c = build_chart(flow, checks)
    placed, width, height = _layout(c)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for b, x, y, w, h in placed:
        color = "#c00000" if b.warning else "#333333"
        out.append(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="white" '
            f'stroke="{color}" stroke-width="1.2"/>'
        )
        for i, t in enumerate([b.title, *b.lines]):
            weight = ' font-weight="bold"' if i == 0 else ""
            out.append(
                f'<text x="{x + PAD}" y="{y + PAD + (i + 1) * LINE_H - 5}" fill="{color}"{weight}>'
                f"{escape(t)}</text>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def flow_png(flow: pd.DataFrame, checks: pd.DataFrame | None, path: str | Path) -> Path:
    """The same layout drawn with Pillow (no browser, no Graphviz needed)."""
    from PIL import Image, ImageDraw, ImageFont

    c = build_chart(flow, checks)
    placed, width, height = _layout(c)
    scale = 2
    img = Image.new("RGB", (width * scale, height * scale), "white")
    draw = ImageDraw.Draw(img)
    try:
        font = ImageFont.load_default(size=12 * scale)
    except TypeError:  # older Pillow
        font = ImageFont.load_default()
    for b, x, y, w, h in placed:
        color = (192, 0, 0) if b.warning else (40, 40, 40)
        draw.rounded_rectangle(
            [x * scale, y * scale, (x + w) * scale, (y + h) * scale],
            radius=6 * scale,
            outline=color,
            width=2,
        )
        for i, t in enumerate([b.title, *b.lines]):
            draw.text(((x + PAD) * scale, (y + PAD + i * LINE_H) * scale), t, fill=color, font=font)
    out = Path(path)
    img.save(out, format="PNG")
    return out


def write_figures(result, folder: str | Path) -> list[Path]:
    """flow.svg and flow.png beside the CSVs (each written to a temporary name, then renamed)."""
    import os

    out = Path(folder)
    svg_tmp, png_tmp = out / ".flow.svg.tmp", out / ".flow.png.tmp"
    try:
        svg_tmp.write_text(flow_svg(result.flow, result.checks), encoding="utf-8")
        flow_png(result.flow, result.checks, png_tmp)
        os.replace(svg_tmp, out / "flow.svg")
        os.replace(png_tmp, out / "flow.png")
    finally:
        svg_tmp.unlink(missing_ok=True)
        png_tmp.unlink(missing_ok=True)
    return [out / "flow.svg", out / "flow.png"]
