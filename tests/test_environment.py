"""``check_environment``: one line saying whether the installed versions match the pins."""

from __future__ import annotations

from course_lib import environment


def test_pins_are_read_from_requirements_lines(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# comment\nNumPy==2.4.6\nscikit_learn==1.9.1  # sklearn\n-e .\ntqdm>=4\n")
    assert environment.read_pins(req) == {"numpy": "2.4.6", "scikit-learn": "1.9.1"}


def test_every_output_package_is_pinned_in_requirements():
    pins = environment.read_pins()
    missing = [p for p in environment.OUTPUT_PACKAGES if environment._normalise(p) not in pins]
    assert missing == []


def test_matching_versions_print_one_line(tmp_path, capsys, monkeypatch):
    req = tmp_path / "requirements.txt"
    req.write_text("numpy==2.4.6\ntorch==2.13.0\n")
    monkeypatch.setattr(environment, "installed_versions",
                        lambda: {"numpy": "2.4.6", "torch": "2.13.0+cpu"})
    environment.check_environment(req)
    assert capsys.readouterr().out == (
        "environment: the installed versions match requirements.txt.\n"
    )


def test_differing_and_missing_versions_are_named_with_the_fix(tmp_path, capsys, monkeypatch):
    req = tmp_path / "requirements.txt"
    req.write_text("numpy==2.4.6\ntorch==2.13.0\npandas==3.1.1\n")
    monkeypatch.setattr(environment, "installed_versions",
                        lambda: {"numpy": "2.3.1", "torch": "2.13.0", "pandas": None})
    environment.check_environment(req)
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "numpy 2.3.1 (pinned 2.4.6)" in out
    assert "pandas missing (pinned 3.1.1)" in out
    assert "torch" not in out
    assert "python -m pip install -r requirements.txt" in out


def test_a_missing_requirements_file_is_reported_not_raised(tmp_path, capsys):
    environment.check_environment(tmp_path / "nope.txt")
    assert "requirements.txt not found" in capsys.readouterr().out
