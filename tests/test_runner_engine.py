"""The papermill engine and kernel client of ``kpss run``: fewer notebook writes, no fixed waits, same notebook."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from kpss_lib.runner.notebook import run_notebook
from runner_support import FAIL_NB, PARAMS_NB, out  # noqa: F401 (fixture)


def _cells(path: Path) -> list[tuple]:
    """The executed notebook's structure: cells, their papermill status and kinds of output.

    (The outputs' text differs between any two runs: the test notebook prints pids and paths.)
    """
    node = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.metadata.get("papermill", {}).get("status"),
             [(o.output_type, sorted(o.get("data", {}))) for o in c.get("outputs", [])]) for c in node.cells]


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every write of the executed notebook by papermill's execution manager in this process."""
    import papermill.engines

    calls: list[int] = []
    original = papermill.engines.write_ipynb
    monkeypatch.setattr(papermill.engines, "write_ipynb",
                        lambda nb, path: calls.append(len(nb.cells)) or original(nb, path))
    return calls


def test_the_engine_writes_at_code_cells_and_the_result_is_papermills(tmp_path: Path, writes: list[int]):
    import papermill

    node = nbformat.read(PARAMS_NB, as_version=4)
    code_cells = sum(c.cell_type == "code" for c in node.cells)
    markdown_cells = len(node.cells) - code_cells
    assert markdown_cells >= 1  # else the test would not show the markdown cells' writes are gone

    result = run_notebook(PARAMS_NB, {"region": "Zlín"}, tmp_path / "kpss", name="nb")
    assert result.status == "ok", result.error
    ours = len(writes)
    # start, one per code cell (+1 injected parameters cell), end; papermill: 2 per cell besides
    assert ours <= code_cells + 3
    writes.clear()
    papermill.execute_notebook(str(PARAMS_NB), str(tmp_path / "plain.ipynb"), parameters={"region": "Zlín"},
                               kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    assert len(writes) >= 2 * len(node.cells)
    assert ours < len(writes)
    assert _cells(tmp_path / "kpss" / "nb.ipynb") == _cells(tmp_path / "plain.ipynb")
    assert result.timings["kernel_start_s"] is not None


def test_a_failing_cell_is_recorded_as_papermill_records_it(tmp_path: Path):
    result = run_notebook(FAIL_NB, {"region": "Chybová obec"}, tmp_path, name="bad")
    assert result.status == "failed"
    node = nbformat.read(tmp_path / "bad.ipynb", as_version=4)
    states = [c.metadata.get("papermill", {}).get("status") for c in node.cells]
    assert "failed" in states
    assert states[states.index("failed") + 1:] == ["pending"] * (len(states) - states.index("failed") - 1)


def test_kernel_readiness_is_the_kpss_check_without_papermills_fixed_pause():
    """nbclient calls ``wait_for_ready``; AsyncKernelClient binds that name to jupyter_client's own
    function (which ends with 0.2 s of IOPub silence), so the kpss check must answer to that name."""
    import asyncio

    from kpss_lib.runner.kernels import kernel_manager_class

    async def start_and_wait() -> list[str]:
        manager = kernel_manager_class({})(kernel_name="kpss")
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        checked: list[str] = []
        idle_after = client._idle_after

        async def counted(request, timeout=1.0):
            checked.append(request)
            return await idle_after(request, timeout)

        client._idle_after = counted
        try:
            await client.wait_for_ready(timeout=60)
            reply = await client.execute_interactive("x = 1 + 1", timeout=30)
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
        assert reply["content"]["status"] == "ok"
        return checked

    assert len(asyncio.run(start_and_wait())) >= 1
