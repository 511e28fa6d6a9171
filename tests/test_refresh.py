"""``python -m course_lib.refresh``: executes notebooks in place, byte-identically."""

from __future__ import annotations

import os

import nbformat
import pytest

from course_lib import refresh

# A cell that prints in pieces, with pauses longer than the kernel's stdout flush interval
# (0.2 s), so that the kernel sends several stream messages for one cell.
SLOW_PRINTER = """\
import sys, time
for i in range(3):
    print(f"piece {i}")
    sys.stdout.flush()
    time.sleep(0.3)
print("last piece")
"""


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nbformat.write(nb, path)
    return path


def test_merge_streams_joins_consecutive_outputs_of_the_same_name():
    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        out("stream", name="stdout", text="a\n"),
        out("stream", name="stdout", text="b\n"),
        out("stream", name="stderr", text="e\n"),
        out("stream", name="stdout", text="c\n"),
    ]
    nb.cells = [cell]
    refresh.merge_streams(nb)
    assert [(o.name, o.text) for o in cell.outputs] == [
        ("stdout", "a\nb\n"),
        ("stderr", "e\n"),
        ("stdout", "c\n"),
    ]


@pytest.fixture(scope="module")
def refreshed_twice(tmp_path_factory):
    path = _notebook(tmp_path_factory.mktemp("nb") / "01_slow.ipynb", SLOW_PRINTER, "1 + 1")
    assert refresh.main([str(path)]) == 0
    first = path.read_bytes()
    assert refresh.main([str(path)]) == 0
    return path, first, path.read_bytes()


def test_a_slowly_printing_cell_gives_one_stream_output_per_name(refreshed_twice):
    path, _, _ = refreshed_twice
    outputs = nbformat.read(path, as_version=4).cells[0].outputs
    streams = [(o.output_type, o.get("name")) for o in outputs]
    assert streams == [("stream", "stdout")]
    assert outputs[0].text == "piece 0\npiece 1\npiece 2\nlast piece\n"


def test_two_refreshes_are_byte_identical(refreshed_twice):
    _, first, second = refreshed_twice
    assert first == second


def test_refresh_stores_outputs_in_order_without_timing(refreshed_twice):
    path, _, _ = refreshed_twice
    nb = nbformat.read(path, as_version=4)
    assert [c.execution_count for c in nb.cells] == [1, 2]
    assert nb.cells[1].outputs[0].data["text/plain"] == "2"
    assert all("execution" not in c.metadata for c in nb.cells)
    assert nb.metadata.kernelspec == refresh.KERNELSPEC


def test_a_failing_notebook_is_not_rewritten_and_the_command_fails(tmp_path, capsys):
    path = _notebook(tmp_path / "01_broken.ipynb", "print('fine')", "1 / 0")
    before = path.read_bytes()
    assert refresh.main([str(path)]) == 1
    assert path.read_bytes() == before
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_find_notebooks_lists_numbered_notebooks_in_order(tmp_path):
    for name in ["02_b.ipynb", "01_a.ipynb", "scratch.ipynb", "10_c.ipynb"]:
        _notebook(tmp_path / name, "1")
    assert [p.name for p in refresh.find_notebooks(tmp_path)] == [
        "01_a.ipynb",
        "02_b.ipynb",
        "10_c.ipynb",
    ]


def test_kernel_environment_is_deterministic_and_shows_figures():
    env = refresh.kernel_environment({"MPLBACKEND": "Agg", "PYTHONHASHSEED": "random", "A": "1"})
    assert env["PYTHONHASHSEED"] == "0"
    assert "MPLBACKEND" not in env
    assert env["A"] == "1"
    assert env["COURSE_LIB_NO_WIDGETS"] == "1"


def test_unit_tests_do_not_run_in_the_kernel_environment():
    # the nbval plugin sets it only while a notebook kernel starts (tests/nbval_env.py)
    assert os.environ.get("COURSE_LIB_NO_WIDGETS") is None


def test_the_plugin_sets_the_kernel_environment_only_around_a_notebook_cell(monkeypatch):
    import nbval_env

    monkeypatch.setenv("MPLBACKEND", "Agg")
    before = dict(os.environ)
    seen = {}

    class IPyNbCell:  # named like nbval's item
        pass

    for item in (IPyNbCell(), object()):
        hook = nbval_env.pytest_runtest_setup(item)
        next(hook)  # pytest now runs the setup (nbval starts the kernel here)
        seen[type(item).__name__] = dict(os.environ)
        with pytest.raises(StopIteration):
            hook.send(None)
        assert dict(os.environ) == before
    assert seen["IPyNbCell"]["PYTHONHASHSEED"] == "0"
    assert "MPLBACKEND" not in seen["IPyNbCell"]
    assert seen["object"] == before


def test_the_course_notebooks_are_found():
    names = [p.name for p in refresh.find_notebooks()]
    assert names and names == sorted(names)
    assert names[0].startswith("01_")


def test_widget_views_and_state_are_dropped():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"state": {"abc": {}}}
    cell = nbformat.v4.new_code_cell("interact(...)")
    cell.outputs = [nbformat.v4.new_output(
        "display_data",
        data={"text/plain": "interactive(...)", refresh.WIDGET_VIEW: {"model_id": "abc"}},
    )]
    nb.cells = [cell]
    refresh.drop_widget_state(nb)
    assert "widgets" not in nb.metadata
    assert cell.outputs[0].data == {"text/plain": "interactive(...)"}


def test_a_slider_cell_prints_one_line_and_refreshes_byte_identically(tmp_path):
    slider_cell = (
        "from course_lib.plotting import plot_softmax_temperature, slider\n"
        "slider(plot_softmax_temperature, logits=[1.0, 2.0], temperature=(0.1, 5.0, 0.1, 1.0))"
    )
    path = _notebook(tmp_path / "01_slider.ipynb", slider_cell)
    assert refresh.main([str(path)]) == 0
    first = path.read_bytes()
    assert refresh.main([str(path)]) == 0
    assert path.read_bytes() == first
    outputs = nbformat.read(path, as_version=4).cells[0].outputs
    assert [o.text for o in outputs] == ["Run this cell in JupyterLab to get the sliders.\n"]


TIMING = "# NBVAL_IGNORE_OUTPUT\nimport time\nprint(time.perf_counter_ns())"


def test_timing_cells_keep_their_stored_output_unless_retimed(tmp_path):
    path = _notebook(tmp_path / "01_timing.ipynb", TIMING, "print('fixed')")
    assert refresh.main([str(path)]) == 0
    first = path.read_bytes()
    timing = nbformat.read(path, as_version=4).cells[0].outputs[0].text
    assert refresh.main([str(path)]) == 0
    assert path.read_bytes() == first
    assert refresh.main(["--retime", str(path)]) == 0
    assert nbformat.read(path, as_version=4).cells[0].outputs[0].text != timing


def test_an_edited_timing_cell_gets_new_outputs(tmp_path):
    path = _notebook(tmp_path / "01_timing.ipynb", TIMING)
    assert refresh.main([str(path)]) == 0
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = TIMING.replace("time.perf_counter_ns()", "'edited'")
    nbformat.write(nb, path)
    assert refresh.main([str(path)]) == 0
    assert nbformat.read(path, as_version=4).cells[0].outputs[0].text == "edited\n"


def test_an_ignore_marker_becomes_a_cell_tag_and_still_keeps_the_timing(tmp_path):
    path = _notebook(tmp_path / "01_timing.ipynb", TIMING)
    assert refresh.main([str(path)]) == 0
    cell = nbformat.read(path, as_version=4).cells[0]
    assert not cell.source.startswith("# NBVAL")
    assert cell.metadata.tags == ["nbval-ignore-output"]
    first = path.read_bytes()
    assert refresh.main([str(path)]) == 0
    assert path.read_bytes() == first


def _png(values) -> str:
    """A base64 PNG of a line plot of ``values``, as a notebook stores it."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.plot(values)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _shaded(png: str, pixels: int, step: float) -> str:
    """``png`` with ``pixels`` pixels along a diagonal darkened by ``step`` (of 1.0)."""
    import base64
    import io

    import matplotlib.image
    import numpy as np

    image = refresh._decode_png(png).copy()
    rows = np.linspace(0, image.shape[0] - 1, pixels).astype(int)
    cols = np.linspace(0, image.shape[1] - 1, pixels).astype(int)
    image[rows, cols, :3] = np.clip(image[rows, cols, :3] - step, 0, 1)
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, image, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def test_anti_aliasing_noise_is_the_same_picture():
    """What another BLAS kernel did to a figure of notebook 10: 37 of 352,638 pixels one
    shade (1/255) lighter or darker. Re-encoding alone changes no pixel."""
    import numpy as np

    old = _png(np.sin(np.linspace(0, 6, 200)))
    assert refresh.same_picture(old, _shaded(old, 0, 0.0))
    noisy = _shaded(old, 37, 1 / 255)
    assert noisy != old
    assert refresh.same_picture(old, noisy)
    assert not refresh.same_picture(old, _shaded(old, 37, 0.5))  # visible dots
    assert not refresh.same_picture(old, _shaded(old, 400, 1 / 255))  # a changed area


def test_a_figure_whose_curve_changed_is_not_the_same_picture():
    import numpy as np

    y = np.sin(np.linspace(0, 6, 200))
    assert not refresh.same_picture(_png(y), _png(1.05 * y))
    assert not refresh.same_picture(_png(y), _png(y[:150]))


def test_refresh_keeps_the_stored_bytes_of_an_unchanged_picture_only():
    import numpy as np

    y = np.sin(np.linspace(0, 6, 200))
    old_nb, new_nb = nbformat.v4.new_notebook(), nbformat.v4.new_notebook()
    for nb, pictures in ((old_nb, (_png(y), _png(y))),
                         (new_nb, (_shaded(_png(y), 37, 1 / 255), _png(2 * y)))):
        cell = nbformat.v4.new_code_cell("plot()")
        cell["id"] = "fig"
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": p})
                        for p in pictures]
        nb.cells = [cell]
    changed = new_nb.cells[0].outputs[1]["data"]["image/png"]
    refresh.keep_unchanged_figures(old_nb, new_nb)
    kept, redrawn = (o["data"]["image/png"] for o in new_nb.cells[0].outputs)
    assert kept == old_nb.cells[0].outputs[0]["data"]["image/png"]
    assert redrawn == changed
