"""`python -m crm_lab.cli run`: parameters checked before anything executes, the reader's
data path taken from where the command runs, and a failing chapter reported in a few lines."""

import nbformat
import pytest

from crm_lab import cli
from crm_lab.cli import ROOT, RunError, chapter_parameters, main, run_parameters

CH01 = ROOT / "notebooks" / "01_customer_data.ipynb"


def _notebook(tmp_path, cells, name="tiny.ipynb"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.cells[0].metadata["tags"] = ["parameters"]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_chapter_parameters_are_read_from_the_parameters_cell():
    names = chapter_parameters(CH01)
    assert names[:3] == ["seed", "data", "n_customers"]
    assert {"top", "problem_rate", "columns", "dayfirst"} <= set(names)


def test_unknown_parameter_fails_before_execution(tmp_path, capsys, monkeypatch):
    ran = []
    monkeypatch.setattr(cli, "execute", lambda *a, **k: ran.append(a))
    out = tmp_path / "out.ipynb"
    assert main(["run", str(CH01), "-p", "sed", "3", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "01_customer_data has no parameter 'sed'; did you mean 'seed'?" in err
    assert "Its parameters: seed, data, n_customers, top, problem_rate" in err
    assert not ran and not out.exists()


def test_columns_flag_and_yaml_mapping_give_the_same_parameters(tmp_path):
    (tmp_path / "my.csv").write_text("cust,order_date,revenue\n1,2024-01-01,1.0\n")
    mapping = {"customer_id": "cust", "date": "order_date", "amount": "revenue"}
    by_flag = run_parameters(CH01, [["data", "my.csv"]], columns="cust,order_date,revenue",
                             dayfirst=True, cwd=tmp_path)
    by_yaml = run_parameters(CH01, [["data", "my.csv"], ["dayfirst", "true"],
                                    ["columns", '{"customer_id": "cust", "date": "order_date", '
                                                '"amount": "revenue"}']], cwd=tmp_path)
    assert by_flag == by_yaml == {"data": str(tmp_path / "my.csv"), "columns": mapping,
                                  "dayfirst": True}
    assert run_parameters(CH01, [["seed", "3"], ["top", "0.3"]]) == {"seed": 3, "top": 0.3}


def test_relative_data_path_is_resolved_from_the_callers_folder(tmp_path, monkeypatch):
    (tmp_path / "mine.csv").write_text("customer_id,date,amount\n1,2024-01-01,1.0\n")
    monkeypatch.chdir(tmp_path)
    assert run_parameters(CH01, [["data", "mine.csv"]]) == {"data": str(tmp_path / "mine.csv")}
    assert run_parameters(CH01, [["data", "cdnow"]]) == {"data": "cdnow"}
    with pytest.raises(RunError, match=f"does not exist \\(looked for {tmp_path}/other.csv"):
        run_parameters(CH01, [["data", "other.csv"]])


def test_other_relative_file_parameters_are_resolved_too(tmp_path, monkeypatch):
    """Chapter 10's ``staffing`` CSV, like ``data``, is read from where the command runs."""
    ch10 = ROOT / "notebooks" / "10_call_centre.ipynb"
    (tmp_path / "agents.csv").write_text("interval,agents\n")
    monkeypatch.chdir(tmp_path)
    got = run_parameters(ch10, [["staffing", "agents.csv"], ["seed", "2"]])
    assert got == {"staffing": str(tmp_path / "agents.csv"), "seed": 2}


def test_bad_mapping_and_flags_for_a_chapter_without_them(tmp_path):
    with pytest.raises(RunError, match="parameter 'columns'.*needs 3"):
        run_parameters(CH01, [], columns="cust,day")
    nb = _notebook(tmp_path, ["x = 1"])
    with pytest.raises(RunError, match=r"tiny has no parameter 'columns' \(--columns\)"):
        run_parameters(nb, [], columns="a,b,c")


def test_failure_prints_cause_and_cell_and_traceback_only_if_verbose(tmp_path, capfd):
    nb = _notebook(tmp_path, ["x = 1", "y = x + 1",
                              "raise ValueError('the cause\\nHow to fix: this')"])
    out = tmp_path / "run.ipynb"
    assert main(["run", str(nb), "-p", "x", "2", "--out", str(out)]) == 1
    err = capfd.readouterr().err
    assert "tiny.ipynb stopped at cell" in err and "with ValueError:\nthe cause\nHow to fix" in err
    assert "The failing cell:\n    raise ValueError(" in err
    assert "--verbose" in err and "Traceback" not in err
    assert "TCP without encryption" not in err  # the kernel talks over local sockets
    assert out.exists()
    assert main(["run", str(nb), "--out", str(out), "--verbose"]) == 1
    assert "Traceback:" in capfd.readouterr().err


def test_not_a_notebook(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.ipynb")]) == 2
    assert "is not a notebook file. The chapters: 00_getting_started.ipynb" in \
        capsys.readouterr().err


def test_runs_never_overwrite_each_other(tmp_path, monkeypatch, capsys):
    nb = _notebook(tmp_path, ["x = 1", "print(x * 2)"])
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    assert main(["run", str(nb), "-p", "x", "2"]) == 0
    assert main(["run", str(nb), "-p", "x", "2"]) == 0
    folders = sorted((tmp_path / "_build" / "runs").iterdir())
    assert len(folders) == 2 and all(f.name.startswith("tiny-") for f in folders)
    for f in folders:
        assert (f / "tiny.ipynb").exists() and (f / "tiny.html").exists()
        assert (f / "parameters.json").read_text().strip() == '{"x": 2}'
    assert str(folders[0] / "tiny.html") in capsys.readouterr().out


def test_chapter03_takes_a_survey_mapping_from_the_command_line(tmp_path):
    ch03 = ROOT / "notebooks" / "03_satisfaction_index.ipynb"
    (tmp_path / "mobi.csv").write_text("IMAG1,CUSCO\n7,6\n")
    params = run_parameters(ch03, [["data", "mobi.csv"], ["model", "ecsi"], ["sep", '""'],
                                   ["prefixes", "{image: IMAG, complaints: CUSCO}"],
                                   ["scale", "[0, 10]"]], cwd=tmp_path)
    assert params == {"data": str(tmp_path / "mobi.csv"), "model": "ecsi", "sep": "",
                      "prefixes": {"image": "IMAG", "complaints": "CUSCO"}, "scale": [0, 10]}
