"""Server-side SVG charts (no JavaScript, no CDN): line charts and horizontal bars, accessible and printable."""
from __future__ import annotations

from decimal import Decimal
from html import escape

from markupsafe import Markup

PALETTE = ("#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#555555")


def _num(v) -> float:
    # chart geometry only (pixels); the figures shown as text are formatted from the exact values
    return float(v or 0)


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    exp = 10 ** (len(str(int(v))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if v <= step * exp:
            return step * exp
    return 10 * exp


def line_chart(title: str, labels: list[str], series: list[tuple[str, list]], *, fmt=lambda v: str(v),
               width: int = 720, height: int = 260, unit: str = "") -> Markup:
    """A line chart: `series` = [(name, values)], values may be None (gap); the table fallback is in <desc>."""
    pad_l, pad_r, pad_t, pad_b = 70, 20, 30, 40
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    values = [_num(v) for _n, vals in series for v in vals if v is not None]
    vmax = _nice_max(max(values) if values else 0)
    vmin = min(0.0, min(values) if values else 0.0)
    span = (vmax - vmin) or 1.0
    n = max(1, len(labels) - 1)

    def xy(i, v):
        return pad_l + w * i / n, pad_t + h * (1 - (_num(v) - vmin) / span)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'class="chart" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    desc = "; ".join(f"{escape(name)}: " + ", ".join(f"{escape(labels[i])} {escape(fmt(v))}" for i, v in
                                                     enumerate(vals) if v is not None) for name, vals in series)
    out.append(f"<desc>{desc}</desc>")
    for k in range(5):
        val = vmin + span * k / 4
        y = pad_t + h * (1 - k / 4)
        out.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{pad_l + w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{pad_l - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
                   f'{escape(fmt(val))}</text>')
    step = max(1, len(labels) // 12)
    for i, lab in enumerate(labels):
        if i % step == 0 or i == len(labels) - 1:
            x = pad_l + w * i / n
            out.append(f'<text x="{x:.1f}" y="{height - pad_b + 16}" font-size="11" text-anchor="middle">'
                       f'{escape(lab)}</text>')
    for si, (name, vals) in enumerate(series):
        color = PALETTE[si % len(PALETTE)]
        segs, cur = [], []
        for i, v in enumerate(vals):
            if v is None:
                if cur:
                    segs.append(cur)
                cur = []
            else:
                cur.append(xy(i, v))
        if cur:
            segs.append(cur)
        for seg in segs:
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{pts}"/>')
            for (x, y) in seg:
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>')
        lx = pad_l + 10 + si * 180
        out.append(f'<rect x="{lx}" y="8" width="12" height="12" fill="{color}"/>'
                   f'<text x="{lx + 16}" y="18" font-size="12">{escape(name)}</text>')
    if unit:
        out.append(f'<text x="4" y="{pad_t - 12}" font-size="11">{escape(unit)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def bar_chart(title: str, items: list[tuple[str, object]], *, fmt=lambda v: str(v), width: int = 720,
              bar_h: int = 22) -> Markup:
    """Horizontal bars (funnel of cases by stage, receipts by stage), value printed beside each bar."""
    pad_l, pad_r = 230, 120
    height = 20 + bar_h * max(1, len(items)) * 1.4
    vmax = max([_num(v) for _l, v in items] + [0]) or 1.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" role="img" class="chart" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
           "<desc>" + "; ".join(f"{escape(lab)}: {escape(fmt(v))}" for lab, v in items) + "</desc>"]
    w = width - pad_l - pad_r
    for i, (lab, v) in enumerate(items):
        y = 10 + i * bar_h * 1.4
        bw = max(1.0, w * _num(v) / vmax) if _num(v) > 0 else 0
        out.append(f'<text x="{pad_l - 8}" y="{y + bar_h * 0.7:.1f}" font-size="12" text-anchor="end">'
                   f'{escape(lab)}</text>')
        out.append(f'<rect x="{pad_l}" y="{y:.1f}" width="{bw:.1f}" height="{bar_h}" '
                   f'fill="{PALETTE[0]}"/>')
        out.append(f'<text x="{pad_l + bw + 6:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="12">{escape(fmt(v))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def kop_to_thousands(v) -> Decimal:
    return (Decimal(int(v)) / 100000).quantize(Decimal("0.1"))
