r"""The set-up is honest: licences and citation exist, the Python floor is the one the pins need,
the student set runs every notebook, and the route without ``make`` works.

The slow part (``student_venv``: a fresh virtual environment holding only ``requirements.txt``,
made by ``python tools/setup_course.py install --venv …`` as a Windows user would, then every
notebook executed in it) took 5-8 minutes on the loaded 2-core machine (install 1.5-4 min).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
SETUP = ROOT / "tools" / "setup_course.py"
DEV_TOOLS = ("pytest", "nbval", "hypothesis", "playwright", "ruff", "nbgrader",
             "jupyterlite-core", "jupyterlite-pyodide-kernel")


def load_setup_module():
    spec = importlib.util.spec_from_file_location("setup_course", SETUP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pins(path: Path) -> dict[str, str]:
    r"""``{normalised name: version}`` of the ``name==version`` lines of a requirements file."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"{path.name}: {line} is not an exact pin"
            out[re.sub(r"[-_.]+", "-", req.name).lower()] = spec.version
    return out


# --------------------------------------------------------------------------- licence, citation


def test_licences_exist_and_the_readme_names_them():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    content = (ROOT / "LICENSE-CONTENT.md").read_text()
    assert "CC BY 4.0" in content and "creativecommons.org/licenses/by/4.0" in content
    for covered in ("notebooks/", "figures/"):
        assert covered in content
    readme = (ROOT / "README.md").read_text()
    assert "LICENSE" in readme and "LICENSE-CONTENT.md" in readme and "CC BY 4.0" in readme


def test_citation_cff_has_the_required_keys_and_cites_every_source():
    r"""CFF 1.2.0 requires cff-version, message, title, authors; every reference needs a type,
    a title and authors. (``cffconvert --validate`` 2.0.0 also accepts the file, but it pins
    jsonschema 3, which JupyterLab's jsonschema 4 excludes, so it is not a test dependency.)"""
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):
        assert cff[key], key
    assert cff["title"] == "Backprop as Linear Algebra"
    for author in cff["authors"]:
        assert author.get("name") or author.get("family-names")
    refs = cff["references"]
    for ref in refs:
        assert ref["type"] and ref["title"] and ref["authors"], ref
        assert isinstance(ref["year"], int)
    families = {a.get("family-names") for r in refs for a in r["authors"]}
    for name in ("LeCun", "Edelman", "Akyürek", "Wang", "Lal", "Darwiche", "Poon", "Domingos",
                 "Eisner", "Eaton", "Griewank", "Walther"):
        assert name in families, name
    ids = json.dumps(refs)
    for arxiv in ("2303.15449", "2512.24335", "2210.00610"):
        assert arxiv in ids


def test_contributing_guide_covers_tests_notebooks_exercises_and_style():
    text = (ROOT / "CONTRIBUTING.md").read_text()
    for needle in ("pytest", "run_notebooks.py", "### BEGIN SOLUTION", "NBVAL_IGNORE_OUTPUT",
                   "## Style", "nbgrader_metadata.py"):
        assert needle in text, needle


# --------------------------------------------------------------------------- the Python floor


def test_the_python_floor_is_what_the_pins_need():
    r"""The highest ``Requires-Python`` floor among the installed pinned distributions is the
    floor that pyproject.toml, setup_course.py and the README state: not lower (an install that
    fails in pip's resolver) and not higher (a promise stricter than needed)."""
    setup = load_setup_module()
    everything = {**pins(ROOT / "requirements.txt"), **pins(ROOT / "requirements-dev.txt")}
    floors = {}
    for name, version in everything.items():
        dist = metadata.distribution(name)
        assert Version(dist.version) == Version(version), f"{name}: installed {dist.version}"
        spec = SpecifierSet(dist.metadata.get("Requires-Python") or "")
        lowest = [Version(s.version) for s in spec if s.operator in (">=", ">")]
        floors[name] = max(lowest, default=Version("0"))
    needed = max(floors.values())
    assert needed == Version(setup.MIN_TEXT) == Version(".".join(map(str, setup.MIN_PYTHON)))
    declared = SpecifierSet(load_pyproject()["project"]["requires-python"])
    assert declared == SpecifierSet(f">={needed}")
    for name, version in everything.items():
        spec = SpecifierSet(metadata.distribution(name).metadata.get("Requires-Python") or "")
        assert spec.contains(str(needed)), f"{name} {version} refuses Python {needed}: {spec}"
    readme = (ROOT / "README.md").read_text()
    assert f"Python {needed}" in readme and "3.10" not in readme
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"  # repo2docker: newest 3.11.x


def load_pyproject():
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_check_python_names_the_version_needed():
    setup = load_setup_module()
    with pytest.raises(setup.SetupError, match=r"needs Python 3\.11\.5 or newer .* Python 3\.10\.12"):
        setup.check_python((3, 10, 12))
    with pytest.raises(setup.SetupError, match=r"3\.11\.2"):
        setup.check_python((3, 11, 2))
    setup.check_python((3, 11, 5))
    setup.check_python((3, 13, 0))


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize("command", ["lab", "install", "check"])
def test_a_too_old_python_stops_with_one_sentence(command):
    r"""Debian 12's own /usr/bin/python3.11 is 3.11.2: a real too-old Python."""
    old = Path("/usr/bin/python3.11")
    if not old.exists():
        pytest.skip("no /usr/bin/python3.11 (Debian's 3.11.2) on this machine")
    version = subprocess.run([old, "-c", "import sys; print(sys.version_info[:3] >= (3, 11, 5))"],
                             capture_output=True, text=True).stdout.strip()
    if version != "False":
        pytest.skip("/usr/bin/python3.11 is new enough here")
    proc = subprocess.run([old, SETUP, command, "--venv", "/nonexistent/venv"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    line = one_line(proc.stderr)
    assert "needs Python 3.11.5 or newer" in line and "Traceback" not in proc.stderr
    assert not Path("/nonexistent/venv").exists()


def test_a_python_without_venv_support_stops_with_one_sentence(tmp_path):
    r"""Debian without python3-venv: ``ensurepip`` is missing. Shadow it with a module that
    cannot be imported, as there."""
    shadow = tmp_path / "shadow" / "ensurepip"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'ensurepip'\", name='ensurepip')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "shadow")}
    for command in ("check", "install"):
        proc = subprocess.run([sys.executable, SETUP, command, "--venv", tmp_path / "v"],
                              capture_output=True, text=True, env=env, timeout=60)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        line = one_line(proc.stderr)
        assert "cannot create a virtual environment" in line and "python3-venv" in line
        assert not (tmp_path / "v").exists()


# --------------------------------------------------------------------------- two dependency sets


def test_two_pinned_sets_the_student_set_has_no_test_tools():
    student = pins(ROOT / "requirements.txt")
    dev = pins(ROOT / "requirements-dev.txt")
    assert not set(student) & set(dev), "a package pinned in both files"
    for tool in DEV_TOOLS:
        assert tool in dev and tool not in student, tool
    for need in ("jupyterlab", "ipywidgets", "ipykernel", "numpy", "scipy", "sympy",
                 "matplotlib", "networkx"):
        assert need in student, need
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab: \$\(STAMP\)$", makefile, re.MULTILINE)
    assert re.search(r"^test: \$\(DEV_STAMP\)", makefile, re.MULTILINE)


def test_lab_binds_loopback_with_token_auth():
    setup = load_setup_module()
    cmd = setup.lab_command("python")
    assert "--ip=127.0.0.1" in cmd
    assert not [c for c in cmd if "token" in c.lower() or "password" in c.lower()
                or "disable_check_xsrf" in c.lower()]


# --------------------------------------------------------------------------- the route without make


@pytest.fixture(scope="module")
def student_venv(tmp_path_factory):
    r"""A fresh venv holding only the student set, made as the README's no-make route makes it."""
    venv = tmp_path_factory.mktemp("student") / "venv"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, SETUP, "install", "--venv", venv],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    print(f"student set installed in {time.perf_counter() - start:.0f} s")
    return Path(load_setup_module().venv_python(str(venv)))


def test_the_student_set_lacks_the_test_tools(student_venv):
    code = ("import importlib.util as u; "
            "print([m for m in ('pytest', 'nbval', 'hypothesis', 'playwright', 'ruff', 'nbgrader',"
            " 'jupyterlite_core') if u.find_spec(m)])")
    out = subprocess.run([student_venv, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# Run in the student venv: tools/run_notebooks.py's client (it polls the kernel in slices: plain
# nbclient now and then misses a widget cell's reply until the cell's timeout), output elsewhere.
RUN_ALL = r"""
import sys, tempfile, time
from pathlib import Path
sys.path.insert(0, "tools")
from run_notebooks import run
failed = []
out = Path(tempfile.mkdtemp())
for path in sorted(Path("notebooks").glob("*.ipynb")):
    start = time.perf_counter()
    try:
        run(path, out / path.name)
    except Exception as exc:
        failed.append(f"{path.name}: {str(exc).strip().splitlines()[-1][:300]}")
    print(f"{path.name}: {time.perf_counter() - start:.1f} s", flush=True)
print("FAILED" if failed else "ALL RAN", *failed, sep="\n")
"""


def test_the_student_set_runs_every_notebook(student_venv):
    r"""Every notebook executes top to bottom in the student venv (its own python3 kernel)."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}
    env.pop("PYTHONPATH", None)
    env.pop("MPLBACKEND", None)
    proc = subprocess.run([student_venv, "-c", RUN_ALL], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=1800)
    print(proc.stdout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "ALL RAN", proc.stdout[-3000:]
    ran = [line for line in proc.stdout.splitlines() if line.endswith(" s")]
    assert len(ran) == len(list((ROOT / "notebooks").glob("*.ipynb")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_no_make_route_opens_jupyterlab_on_loopback_with_a_token(student_venv, tmp_path):
    r"""``python tools/setup_course.py lab`` (what the README gives Windows users) serves
    JupyterLab from the student venv on 127.0.0.1, refusing requests without the token."""
    port = free_port()
    token = "t" + os.urandom(8).hex()
    env = {**os.environ, "JUPYTER_TOKEN": token, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 (closed with the server)
    proc = subprocess.Popen([sys.executable, SETUP, "lab", "--venv", student_venv.parents[1],
                             "--", "--no-browser", f"--port={port}"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 60 s:\n"
                        + (tmp_path / "lab.log").read_text()[-2000:])
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{base}/api/contents", timeout=5)
        assert err.value.code == 403
        ok = urllib.request.urlopen(f"{base}/api/contents/notebooks?token={token}", timeout=5)
        names = {item["name"] for item in json.load(ok)["content"]}
        assert "00_start_here.ipynb" in names
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True,
                                   text=True).stdout if Path("/usr/bin/ss").exists() else ""
        for line in listening.splitlines():
            assert "127.0.0.1:" in line, line
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the script and the JupyterLab it started
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
