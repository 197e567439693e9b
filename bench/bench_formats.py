"""Reading speed of the binary formats: `make bench` (pages per second).

Makes a 50-page PDF (reportlab: two question columns on every other page,
a running title and page footer, sub- and superscripts) and a 50-page DOCX
(python-docx: Word list numbering for questions and options, a page break
after every page's worth), then times formats.read on each: the best of a
few runs, so a busy machine's hiccups do not count. Also reads the real
53-page PDF and the real DOCX in ../shared/dev when they are there. Prints
lines `pdf_pages_per_s=`, `docx_pages_per_s=` and the rest.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import formats_make as make  # noqa: E402  (after the path set-up above)

from pipeline import formats  # noqa: E402

STEM = "依据有关规定，生产经营单位应当对从业人员进行安全生产教育和培训，下列说法正确的是（ ）"
OPTIONS = ["保证从业人员具备必要的安全生产知识", "熟悉有关的安全生产规章制度", "掌握本岗位的安全操作技能", "了解事故应急处理措施"]


def pdf_50(pages: int) -> bytes:
    import io
    buffer = io.BytesIO()
    c = make._canvas(buffer)
    number = 0
    for page in range(1, pages + 1):
        c.setFont(make.FONT, 9)
        c.drawCentredString(297, 810, "安全生产知识题库（基准测试）")
        c.drawCentredString(297, 30, f"第 {page} 页 共 {pages} 页")
        columns = [(70, 255)] if page % 2 else [(70, 255), (320, 505)]
        for x, right in columns:
            y = 780
            c.setFont(make.FONT, 10)
            while y > 80:
                number += 1
                width = (right - x) // 10
                text = f"{number}．{STEM}"
                for k in range(0, len(text), width):
                    c.drawString(x, y, text[k:k + width])
                    y -= 14
                for label, option in zip("ABCD", OPTIONS):
                    c.drawString(x + 8, y, f"{label}．{option[:width - 3]}")
                    y -= 14
                c.drawString(x + 8, y, "单位：m")
                c.setFont(make.FONT, 6)
                c.drawString(x + 8 + c.stringWidth("单位：m", make.FONT, 10), y + 4, "3")
                c.setFont(make.FONT, 10)
                y -= 18
        c.showPage()
    c.save()
    return buffer.getvalue()


def docx_50(pages: int) -> bytes:
    import io

    import docx
    document = docx.Document()
    make._numbering(document)
    for page in range(pages):
        heading = document.add_paragraph("单项选择题")
        make._numbered(heading, 91, 0)
        for _ in range(6):
            make._numbered(document.add_paragraph(STEM), 90, 0)
            for option in OPTIONS:
                p = document.add_paragraph(option)
                make._numbered(p, 90, 1)
        table = document.add_table(rows=2, cols=7)
        for col in range(7):
            table.cell(0, col).text = "题号" if col == 0 else str(page * 6 + col)
            table.cell(1, col).text = "答案" if col == 0 else "ABCD"[col % 4]
        if page < pages - 1:
            document.add_page_break()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def best_of(runs: int, data: bytes, name: str) -> tuple[float, formats.Reading]:
    best, reading = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        reading = formats.read(data, name)
        best = min(best, time.perf_counter() - t)
    return best, reading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for kind, data in (("pdf", pdf_50(args.pages)), ("docx", docx_50(args.pages))):
        seconds, reading = best_of(args.runs, data, f"bench.{kind}")
        pages = reading.text.count(formats.PAGE_BREAK) + 1
        print(f"{kind}_pages={pages} {kind}_mb={len(data) / 1e6:.2f} {kind}_seconds={seconds:.3f} "
              f"{kind}_pages_per_s={pages / seconds:.1f}", flush=True)
    dev = os.path.join(ROOT, "..", "shared", "dev", "raw")
    if os.path.isdir(dev):
        for name in sorted(os.listdir(dev)):
            if name.endswith((".pdf", ".docx")):
                with open(os.path.join(dev, name), "rb") as f:
                    data = f.read()
                seconds, reading = best_of(args.runs, data, name)
                pages = reading.text.count(formats.PAGE_BREAK) + 1
                kind = name.rsplit(".", 1)[1]
                print(f"dev_{kind}_pages={pages} dev_{kind}_seconds={seconds:.3f} "
                      f"dev_{kind}_pages_per_s={pages / seconds:.1f}", flush=True)


if __name__ == "__main__":
    main()
