r"""Set up and open the course on Linux, macOS or Windows, with or without ``make``.

    python tools/setup_course.py lab        create .venv (student set), then open JupyterLab
    python tools/setup_course.py install    only create/update .venv with the student set
    python tools/setup_course.py install-dev   add the maintainer set (requirements-dev.txt)
    python tools/setup_course.py test       add the maintainer set, then run the whole test suite
    python tools/setup_course.py check      only check that this Python can set the course up

On Windows type ``py`` instead of ``python`` (``py tools\setup_course.py lab``); ``make lab``
and ``make test`` call this script. Standard library only, and no syntax newer than Python 3.5,
so that an old Python reads it far enough to say, in one sentence, which version is needed.

- The student set is ``requirements.txt`` (JupyterLab, ipywidgets, numpy, scipy, sympy,
  matplotlib, networkx and what they pull in, all pinned); the maintainer set adds
  ``requirements-dev.txt`` (pytest, nbval, hypothesis, Playwright, ruff, nbgrader, JupyterLite).
- The environment is ``.venv`` beside the notebooks (``--venv PATH`` for another); its pip
  installs the pins, then ``course_lib`` itself (editable, without dependencies).
- A stamp file in the environment records a hash of the files it was installed from; a change
  to a pin or to ``pyproject.toml`` reinstalls, anything else is skipped.
- ``lab`` serves on 127.0.0.1 only, with JupyterLab's token authentication (never disabled),
  and starts at ``notebooks/00_start_here.ipynb``; arguments after ``--`` go to JupyterLab.
"""

import hashlib
import os
import shutil
import subprocess
import sys

MIN_PYTHON = (3, 11, 5)
# Why the floor: soupsieve 4.1.2 (via nbconvert, which JupyterLab needs) requires >= 3.11.5;
# numpy 2.4, scipy 1.17, matplotlib 3.11, ipython 9 and ipykernel 7 require >= 3.11.
MIN_TEXT = "3.11.5"
TESTED = "3.11"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUDENT_FILES = ("requirements.txt", "pyproject.toml")
DEV_FILES = STUDENT_FILES + ("requirements-dev.txt",)


class SetupError(Exception):
    r"""A problem the user can fix; its message is one sentence saying how."""


def version_text(info):
    return ".".join(str(part) for part in tuple(info)[:3])


def check_python(info=None):
    r"""Raise SetupError naming the version needed when ``info`` (default: this Python) is too old."""
    info = tuple(sys.version_info[:3] if info is None else info)[:3]
    if info < MIN_PYTHON:
        raise SetupError(
            "This course needs Python {} or newer (tested on {}), but this is Python {}: "
            "install a newer Python from python.org or your package manager and run this "
            "script with it.".format(MIN_TEXT, TESTED, version_text(info)))


VENV_HINT = ("install it (Debian/Ubuntu: `sudo apt install python3-venv`; the python.org "
             "installers for Windows and macOS include it) and run this script again.")


def check_venv_support():
    r"""Raise SetupError when this Python cannot create virtual environments with pip."""
    try:
        import ensurepip  # noqa: F401  (Debian ships it only in python3-venv)
        import venv  # noqa: F401
    except ImportError as exc:
        raise SetupError("This Python cannot create a virtual environment with pip ({}): "
                         .format(exc) + VENV_HINT) from None


def venv_python(venv_dir):
    r"""The interpreter inside a virtual environment, on Windows or elsewhere."""
    if os.name == "nt":
        return os.path.join(venv_dir, "Scripts", "python.exe")
    return os.path.join(venv_dir, "bin", "python")


def files_hash(names):
    digest = hashlib.sha256()
    for name in names:
        with open(os.path.join(ROOT, name), "rb") as fh:
            digest.update(name.encode() + b"\0" + fh.read() + b"\0")
    return digest.hexdigest()


def run(cmd, what):
    r"""Run ``cmd``; on failure say in one line what failed (pip's own output is above it)."""
    print("setup_course: " + what, flush=True)
    code = subprocess.call(cmd, cwd=ROOT)
    if code != 0:
        raise SetupError("{} failed (exit code {}); the messages above say why.".format(what, code))


def create_venv(venv_dir):
    check_venv_support()
    print("setup_course: creating the virtual environment " + venv_dir, flush=True)
    proc = subprocess.run([sys.executable, "-m", "venv", venv_dir], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    if proc.returncode != 0 or not os.path.exists(venv_python(venv_dir)):
        shutil.rmtree(venv_dir, ignore_errors=True)  # a half-made venv would be reused next time
        if "ensurepip" in proc.stdout:
            raise SetupError("Python's venv module could not install pip into the new "
                             "environment (ensurepip is not available): " + VENV_HINT)
        raise SetupError("`{} -m venv {}` failed: {}".format(
            sys.executable, venv_dir, proc.stdout.strip().splitlines()[-1:]))


def install(venv_dir, dev=False, quiet=True):
    r"""Create ``venv_dir`` if needed and install the student set (and the maintainer set if
    ``dev``) unless its stamp says these exact files are installed already."""
    check_python()
    names = DEV_FILES if dev else STUDENT_FILES
    stamp = os.path.join(venv_dir, ".installed-dev" if dev else ".installed")
    wanted = files_hash(names)
    if os.path.exists(stamp):
        with open(stamp) as fh:
            if fh.read().strip() == wanted:
                os.utime(stamp)  # newer than its sources, for make
                return venv_python(venv_dir)
    py = venv_python(venv_dir)
    if not os.path.exists(py):
        create_venv(venv_dir)
    q = ["--quiet"] if quiet else []
    pip = [py, "-m", "pip", "install", "--disable-pip-version-check"] + q
    run(pip + ["--upgrade", "pip"], "upgrading pip")
    reqs = "requirements-dev.txt" if dev else "requirements.txt"
    run(pip + ["-r", os.path.join(ROOT, reqs)], "installing the pinned packages of " + reqs)
    run(pip + ["--no-deps", "-e", ROOT], "installing course_lib")
    with open(stamp, "w") as fh:
        fh.write(wanted + "\n")
    return py


def lab_command(py, extra=()):
    r"""JupyterLab on loopback with token authentication, opening lesson 00."""
    cmd = [py, "-m", "jupyterlab", "--ip=127.0.0.1", "--ServerApp.port_retries=50",
           "--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers run as root; JupyterLab refuses it otherwise
    return cmd + list(extra)


def main(argv):
    args = list(argv[1:])
    extra = []
    if "--" in args:
        cut = args.index("--")
        args, extra = args[:cut], args[cut + 1:]
    venv_dir = os.path.join(ROOT, ".venv")
    if "--venv" in args:
        i = args.index("--venv")
        venv_dir = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    command = args[0] if args else "lab"
    if command not in ("lab", "install", "install-dev", "test", "check") or len(args) > 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        check_python()
        if command == "check":
            check_venv_support()
            print("setup_course: Python {} can set up the course.".format(version_text(sys.version_info)))
            return 0
        py = install(venv_dir, dev=command in ("test", "install-dev"))
        if command in ("install", "install-dev"):
            print("setup_course: ready; open the course with `{} tools/setup_course.py lab`"
                  .format(os.path.basename(sys.executable)))
            return 0
        if command == "test":
            return subprocess.call([py, "-m", "pytest"] + extra, cwd=ROOT)
        print("setup_course: starting JupyterLab on 127.0.0.1; open the URL with ?token=... "
              "it prints (Ctrl+C stops it)", flush=True)
        try:
            return subprocess.call(lab_command(py, extra), cwd=ROOT)
        except KeyboardInterrupt:
            return 0
    except SetupError as exc:
        print("setup_course: " + str(exc), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
