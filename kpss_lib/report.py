"""HTML output of batch runs: the code-free report of one executed notebook and the run index.

Both writers take plain data (an executed notebook file, a manifest dict) so that they
stay independent of how the notebooks were run (:mod:`kpss_lib.runner`).

Folium maps in reports
----------------------
A folium map shown in a notebook is an ``<iframe srcdoc="...">`` holding the whole
Leaflet page. nbconvert's ``lab`` template passes that HTML through unchanged as long
as ``sanitize_html`` stays off (its default; sanitising strips the iframe), so the map
renders in the exported report. But that page links Leaflet from a CDN, so a report
opened offline (or years later, when the CDN link has rotted) would show an empty
frame: :func:`export_report` therefore embeds the vendored Leaflet into every map
frame (:func:`kpss_lib.mapio.embed_assets`), making the report one self-contained file.

No network for the page itself
------------------------------
nbconvert's ``lab`` page also links scripts from cdnjs/unpkg: require.js (for
old-style widget outputs), MathJax (LaTeX in Markdown), mermaid.js (diagrams) and
the Jupyter widgets renderer. kpss reports use none of them (tables, Markdown
text, PNG charts and map frames), and offline each is a failed request and a
delay, so :func:`export_report` renders with :data:`REPORT_TEMPLATE`, the ``lab``
page with those blocks emptied. A ``$…$`` formula in Markdown stays as plain text.
"""
from __future__ import annotations

import functools
import html
import os
import re
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kpss_lib.errors import UnknownValueError
from kpss_lib.mapio import embed_assets, write_text_atomic
from kpss_lib.vocabulary import format_number

#: Czech labels of job statuses, as shown on the index page and in summaries.
STATUS_LABELS = {"ok": "ok", "failed": "chyba", "timeout": "časový limit"}
#: Czech labels of the overall run status.
RUN_STATUS_LABELS = {
    "ok": "všechny úlohy proběhly v pořádku",
    "partial": "některé úlohy selhaly",
    "failed": "všechny úlohy selhaly",
}
#: Cell tags that drop a whole cell, or its outputs, from the report.
REMOVE_CELL_TAGS = frozenset({"remove-cell", "remove_cell", "papermill-error-cell-tag"})
REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})

#: The overview map of a run, next to its index page.
OVERVIEW_MAP = "prehled_mapa.html"
_TEMPLATES = Path(__file__).resolve().parent / "templates"

#: nbconvert's ``lab`` page without any script loaded from a CDN (module notes).
REPORT_TEMPLATE_NAME = "kpss_report.html.j2"
REPORT_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}
<style>
  body { max-width: 1100px; margin: 0 auto; }
  table.kpss-table { border-collapse: collapse; font-size: 12px; margin: .5em 0 1em; }
  .jp-RenderedHTMLCommon table.kpss-table th, .jp-RenderedHTMLCommon table.kpss-table td {
    padding: 3px 6px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
  .jp-RenderedHTMLCommon table.kpss-table .num { text-align: right; }
  .jp-RenderedHTMLCommon table.kpss-table td.num { white-space: nowrap; }
  table.kpss-table td { font-variant-numeric: tabular-nums; }
  .jp-OutputArea-output { overflow-x: auto; }
  @media (max-width: 600px) { .jp-Cell { padding: 0 4px; } table.kpss-table { font-size: 11px; } }
  @media print {
    @page { size: A4; margin: 12mm; }
    body { max-width: none; }
    .jp-OutputArea-output { overflow: visible; }
    .jp-RenderedHTMLCommon table.kpss-table { font-size: 7.5pt; width: 100%; }
    .jp-RenderedHTMLCommon table.kpss-table th, .jp-RenderedHTMLCommon table.kpss-table td {
      padding: 1px 3px; hyphens: auto; }
    table.kpss-table tr { break-inside: avoid; }
    /* folium wraps its frame in a box sized by padding-bottom: give the map a page of its own */
    .jp-OutputArea-output div[style*="padding-bottom"] { padding-bottom: 0 !important; height: auto !important;
      break-before: page; break-after: page; }
    .jp-OutputArea-output iframe { position: static !important; width: 100% !important; height: 250mm !important; }
    h2 { break-after: avoid; }
  }
</style>
{%- endblock extra_css -%}
"""


#: A folium/branca map frame in an HTML output: the whole map page, HTML-escaped, in ``srcdoc``.
_MAP_FRAME = re.compile(r'(<iframe\b[^>]*?\bsrcdoc=")([^"]*)(")')


def embed_map_frames(text: str) -> tuple[str, list[str]]:
    """Make every Leaflet map frame in an HTML fragment self-contained.

    Returns the new fragment and the problems met; a frame whose assets cannot be
    embedded (a plugin kpss does not vendor) is left as it was, linking its CDN.
    """
    problems: list[str] = []

    def embed(match: re.Match) -> str:
        page = html.unescape(match.group(2))
        if "leaflet" not in page.lower():
            return match.group(0)
        try:
            page = embed_assets(page)
        except UnknownValueError as exc:
            problems.append(str(exc))
            return match.group(0)
        return match.group(1) + html.escape(page, quote=True) + match.group(3)

    return _MAP_FRAME.sub(embed, text), problems


def _embed_notebook_maps(node) -> list[str]:
    problems: list[str] = []
    for cell in node.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" not in data:
                continue
            source = data["text/html"]
            text = "".join(source) if isinstance(source, list) else source
            if "srcdoc=" in text:
                data["text/html"], found = embed_map_frames(text)
                problems += found
    return problems


def export_report(notebook: str | os.PathLike, html_path: str | os.PathLike, *,
                  title: str | None = None, self_contained: bool = True) -> Path:
    """Export an executed notebook to a standalone HTML report without code cells.

    Parameters
    ----------
    notebook : path
        The executed ``.ipynb``.
    html_path : path
        Where the report goes (written atomically).
    title : str, optional
        The page title; default the notebook's file stem.
    self_contained : bool, default True
        Embed Leaflet into folium map frames so maps render offline; a map whose
        assets cannot be embedded keeps its CDN links (with a warning).

    Notes
    -----
    Uses nbconvert's ``lab`` template with inputs and prompts excluded and without
    the scripts it would load from a CDN (:data:`REPORT_TEMPLATE`), so the report
    opens with no network request at all (base-map tiles of maps aside). Cells
    tagged ``remove-cell`` are dropped, cells tagged ``remove-output`` lose their
    outputs. Outputs (tables, charts, folium maps) are kept as they are.
    """
    import nbformat

    notebook = Path(notebook)
    node = nbformat.read(notebook, as_version=4)
    if self_contained:
        for problem in _embed_notebook_maps(node):
            warnings.warn(f"{notebook.name}: a map in the report still needs the network: {problem}",
                          stacklevel=2)
    body, _ = report_exporter().from_notebook_node(node, resources={"metadata": {"name": title or notebook.stem}})
    return write_text_atomic(body, html_path)


@functools.cache
def report_exporter():
    """The HTML exporter of reports, built once per process.

    Its template environment compiles on the first export (~0.5 s of a ~1.2 s export);
    ``kpss run`` builds it in the process its workers fork from (:func:`warm_report_exporter`),
    so no job pays that again. The exporter keeps no state between notebooks.
    """
    import jinja2
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="lab",
        template_file=REPORT_TEMPLATE_NAME,
        extra_loaders=[jinja2.DictLoader({REPORT_TEMPLATE_NAME: REPORT_TEMPLATE})],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        # Sanitising would strip the iframe of folium maps; the outputs are our own.
        sanitize_html=False,
        language_code="cs",
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(REMOVE_CELL_TAGS),
                              remove_all_outputs_tags=set(REMOVE_OUTPUT_TAGS), enabled=True),
        enabled=True,
    )
    return exporter


def warm_report_exporter() -> None:
    """Build :func:`report_exporter` and compile its templates by exporting an empty notebook."""
    import nbformat

    report_exporter().from_notebook_node(nbformat.v4.new_notebook(), resources={"metadata": {"name": "warm"}})


# --------------------------------------------------------------------------- index page

def _format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s".replace(".", ",")
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _format_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_format_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_format_value(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "ano" if value else "ne"
    if value is None:
        return "–"
    if isinstance(value, (int, float)):
        return format_number(value, 0 if float(value).is_integer() else 2)
    return str(value)


def _href(relative: str | None) -> str | None:
    # Relative POSIX path → URL path; quoting keeps odd file names working as links.
    return quote(relative) if relative else None


def render_index(manifest: dict[str, Any], root: str | os.PathLike | None = None,
                 map_file: str | None = None) -> str:
    """The run overview page (Czech) for a run manifest; every data text is HTML-escaped.

    Parameters
    ----------
    manifest : dict
    root : path, optional
        The run folder: the jobs' ``summary.json`` files give the table of figures
        (:func:`kpss_lib.overview.overview_rows`); without it, only the technical section.
    map_file : str, optional
        The overview map's file name next to the page (shown in a frame).
    """
    import jinja2

    from kpss_lib.overview import figure_text, local_time, overview_rows
    from kpss_lib.vocabulary import PARAMETER_LABELS

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(duration=_format_duration, when=local_time, value=_format_value, href=_href,
                       figure=figure_text)
    rows, columns = overview_rows(manifest, root) if root is not None else ([], [])
    counts = {status: sum(1 for job in manifest["jobs"] if job["status"] == status) for status in STATUS_LABELS}
    return env.get_template("run_index.html.j2").render(
        run=manifest,
        counts=counts,
        status_labels=STATUS_LABELS,
        run_status_label=RUN_STATUS_LABELS.get(manifest["status"], manifest["status"]),
        hidden_parameters={"output_dir"},
        parameter_labels=PARAMETER_LABELS,
        rows=rows,
        columns=columns,
        map_file=map_file,
    )


def write_index(manifest: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write the overview of ``manifest`` to ``path`` atomically, with its map beside it.

    The jobs' folders are read from the page's folder (the run folder); the map of
    every obec of the run goes to ``prehled_mapa.html`` when the jobs left summaries.
    """
    from kpss_lib.mapio import save_map
    from kpss_lib.overview import overview_map, overview_rows

    root = Path(path).parent
    rows, _ = overview_rows(manifest, root)
    summaries = [row["summary"] for row in rows if row["summary"]]
    shown = overview_map(summaries) if summaries else None
    map_file = None
    if shown is not None:
        map_file = OVERVIEW_MAP
        save_map(shown, root / map_file)
    return write_text_atomic(render_index(manifest, root, map_file), path)
