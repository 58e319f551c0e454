"""Execute a project notebook with papermill into a test's folder and collect its output text."""
from __future__ import annotations

from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PARAMS = NOTEBOOKS / "params"


def run_notebook(name: str, tmp_path: Path, **parameters) -> str:
    """Run ``notebooks/<name>.ipynb`` on the venv's kernel in ``tmp_path``; return all output text.

    The text joins streams and the plain, Markdown and HTML forms of displayed data.
    """
    import papermill

    output = tmp_path / f"{name}.out.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(output), parameters=parameters,
                               kernel_name="python3", cwd=str(tmp_path), progress_bar=False)
    texts = []
    for cell in nbformat.read(output, as_version=4).cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out["text"])
            elif "data" in out:
                texts.extend(out["data"].get(kind, "") for kind in ("text/plain", "text/markdown", "text/html"))
    return "\n".join(texts)
