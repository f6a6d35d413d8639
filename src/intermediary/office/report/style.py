"""The annual report's style sheet: on screen from 320 px up, and printed on A4.

On screen the page is one column that never scrolls sideways (a table's labels
wrap, its numbers do not; a bar is a share of its cell). On paper: A4 with margins, each
chapter (introduction, figures, signals and recommendations) on a new page, no
table, row or chart cut over two pages, and a draft's mark on every page.
"""

from __future__ import annotations

__all__ = ["STYLE"]

STYLE = """
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { font-family: Georgia, "Times New Roman", serif; color: #1a1a1a; background: #fff;
  max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5;
  overflow-wrap: break-word; }
h1, h2, h3, caption, th, td, .meta, .status, .mark, footer { font-family: system-ui,
  -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 0.4rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 0.6rem; padding-bottom: 0.2rem;
  border-bottom: 2px solid #3d6ea8; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.3rem; }
header { border-bottom: 1px solid #bbb; padding-bottom: 0.8rem; }
.meta { color: #444; margin: 0.1rem 0; }
.figure { margin: 1.6rem 0; }
table { border-collapse: collapse; width: 100%; margin: 0.3rem 0; }
caption { text-align: left; font-weight: bold; font-size: 1.05rem; padding: 0.3rem 0; }
th, td { border-bottom: 1px solid #ccc; padding: 0.35rem 0.4rem; text-align: left;
  vertical-align: top; }
th { font-weight: normal; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;
  width: 6.5rem; }
tr.total th, tr.total td { font-weight: bold; border-bottom: 2px solid #888; }
tr.group th, tr.group td { color: #333; font-size: 0.92rem; }
.note { font-size: 0.9rem; color: #444; margin: 0.3rem 0 0; }
.withheld h3 { margin-top: 0; }
.withheld { border-left: 4px solid #bbb; padding: 0.3rem 0 0.3rem 0.8rem; margin: 1.6rem 0; }
.bar { display: block; height: 0; border-top: 0.45rem solid #3d6ea8; margin: 0.25rem 0 0.1rem; }
.lead { font-style: italic; color: #444; }
.placeholder { border: 2px dashed #888; padding: 0.6rem 0.8rem; font-style: italic; }
footer { margin-top: 2.5rem; font-size: 0.85rem; color: #444; border-top: 1px solid #bbb; }
.status { font-weight: bold; border: 2px solid #1a1a1a; padding: 0.4rem 0.6rem; }
.mark { position: fixed; top: 0.3rem; right: 0.6rem; font-weight: bold; letter-spacing: 0.1em;
  border: 2px solid #1a1a1a; background: #fff; padding: 0.1rem 0.5rem; }
.notice { font-size: 1.1rem; }
@media screen { body.draft { padding-top: 2.2rem; } }
@media (max-width: 30rem) {
  body { margin: 1rem auto; font-size: 1rem; }
  h1 { font-size: 1.4rem; }
  h2 { font-size: 1.2rem; }
  td.n { width: auto; }
}
@page { size: A4; margin: 20mm 18mm 22mm 18mm; }
@media print {
  body { color: #000; background: #fff; max-width: none; margin: 0; padding: 0;
    font-size: 10.5pt; }
  .meta, .note, footer, tr.group th, tr.group td { color: #000; }
  h2 { border-bottom-color: #000; }
  .bar { border-top-color: #555; }
  .chapter { break-before: page; page-break-before: always; }
  .figure, .withheld, table, tr, .placeholder { break-inside: avoid;
    page-break-inside: avoid; }
  h2, h3, caption { break-after: avoid; page-break-after: avoid; }
  th, td { border-bottom: 1px solid #000; }
  p { orphans: 3; widows: 3; }
}
"""
