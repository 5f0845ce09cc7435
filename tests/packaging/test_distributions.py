"""Every distribution of the workspace builds an sdist and a wheel with complete metadata.

The five are built once per session with ``uv build --all-packages`` (sdist first, then the
wheel from the sdist, so a file missing from the sdist breaks the wheel). The build backend
(hatchling) comes from the package index like any build dependency; nothing else is fetched.
"""

from __future__ import annotations

import configparser
import email.message
import email.parser
import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - pytest brings tomli on 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]

#: Hosts of package registries: a project URL must point at the project, never at an index.
REGISTRY_HOSTS = ("pypi.org", "pythonhosted.org", "pypi.python.org", "npmjs.org", "npmjs.com")
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


@dataclass(frozen=True)
class Dist:
    """One distribution of the workspace and what its wheel must hold."""

    project_dir: str  # relative to the repository root
    packages: tuple[str, ...]  # import package directories shipped in the wheel, under src/
    entry_points: dict[str, dict[str, str]]
    namespace_dirs: tuple[str, ...] = ()  # must NOT get an __init__.py (shared namespaces)

    @property
    def pyproject(self) -> dict[str, object]:
        data: dict[str, object] = tomllib.loads(
            (ROOT / self.project_dir / "pyproject.toml").read_text()
        )
        return data

    @property
    def project(self) -> dict[str, object]:
        project = self.pyproject["project"]
        assert isinstance(project, dict)
        return project

    @property
    def name(self) -> str:
        return str(self.project["name"])

    @property
    def version(self) -> str:
        return str(self.project["version"])

    @property
    def stem(self) -> str:
        return f"{canonicalize_name(self.name).replace('-', '_')}-{self.version}"


DISTS = {
    "helicone-core": Dist(
        "core",
        packages=("helicone_core",),
        entry_points={
            "console_scripts": {"helicone": "helicone_core.cli:main"},
            "pytest11": {"helicone": "helicone_core.testing.pytest_plugin"},
        },
    ),
    "helicone-openai": Dist(
        "adapters/openai",
        packages=("helicone_openai",),
        entry_points={"helicone": {"openai": "helicone_openai.plugin"}},
    ),
    "llama-index-llms-helicone": Dist(
        "adapters/llama-index",
        packages=("llama_index/llms/helicone",),
        entry_points={"helicone": {"llama-index": "llama_index.llms.helicone.plugin"}},
        # llama-index-core owns these namespace packages; an __init__.py would shadow it.
        namespace_dirs=("llama_index", "llama_index/llms"),
    ),
    "langchain-helicone": Dist(
        "adapters/langchain",
        packages=("langchain_helicone",),
        entry_points={"helicone": {"langchain": "langchain_helicone.plugin"}},
    ),
    # The meta-package: installs the four above, ships no code.
    "helicone-adapters": Dist(".", packages=(), entry_points={}),
}


@pytest.fixture(scope="module")
def dist_dir(tmp_path_factory: pytest.TempPathFactory, uv: list[str]) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [*uv, "build", "--all-packages", "--out-dir", str(out), "--no-progress"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return out


def wheel_of(dist_dir: Path, dist: Dist) -> zipfile.ZipFile:
    return zipfile.ZipFile(dist_dir / f"{dist.stem}-py3-none-any.whl")


def read_metadata(text: str) -> email.message.Message:
    return email.parser.Parser().parsestr(text)


def wheel_metadata(dist_dir: Path, dist: Dist) -> email.message.Message:
    with wheel_of(dist_dir, dist) as wheel:
        return read_metadata(wheel.read(f"{dist.stem}.dist-info/METADATA").decode())


def source_files(dist: Dist) -> set[str]:
    """The files of the distribution's import packages, as the wheel should name them."""
    src = ROOT / dist.project_dir / "src"
    files = set()
    for package in dist.packages:
        for path in (src / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.add(path.relative_to(src).as_posix())
    return files


def test_every_distribution_is_built(dist_dir: Path) -> None:
    built = sorted(p.name for p in dist_dir.iterdir() if p.suffix in {".whl", ".gz"})
    expected = sorted(
        name
        for dist in DISTS.values()
        for name in (f"{dist.stem}.tar.gz", f"{dist.stem}-py3-none-any.whl")
    )
    assert built == expected


def test_the_workspace_has_exactly_these_distributions() -> None:
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"][
        "members"
    ]
    assert sorted([".", *members]) == sorted(d.project_dir for d in DISTS.values())
    assert {name: d.name for name, d in DISTS.items()} == {name: name for name in DISTS}


@pytest.mark.parametrize("name", DISTS)
def test_wheel_holds_the_packages_with_py_typed(dist_dir: Path, name: str) -> None:
    dist = DISTS[name]
    with wheel_of(dist_dir, dist) as wheel:
        names = set(wheel.namelist())

    shipped = {n for n in names if not n.startswith(f"{dist.stem}.dist-info/")}
    assert shipped == source_files(dist)
    for package in dist.packages:
        assert f"{package}/py.typed" in shipped
        assert f"{package}/__init__.py" in shipped
    for namespace in dist.namespace_dirs:
        assert f"{namespace}/__init__.py" not in shipped
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


@pytest.mark.parametrize("name", DISTS)
def test_wheel_entry_points(dist_dir: Path, name: str) -> None:
    dist = DISTS[name]
    with wheel_of(dist_dir, dist) as wheel:
        names = set(wheel.namelist())
        path = f"{dist.stem}.dist-info/entry_points.txt"
        text = wheel.read(path).decode() if path in names else ""

    parser = configparser.ConfigParser(delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep the case
    parser.read_string(text)
    found = {group: dict(parser[group]) for group in parser.sections()}
    assert found == dist.entry_points
    for group in found.values():
        for target in group.values():
            module = target.split(":")[0].replace(".", "/")
            assert {f"{module}.py", f"{module}/__init__.py"} & names, target


@pytest.mark.parametrize("name", DISTS)
def test_wheel_metadata_is_complete(dist_dir: Path, name: str) -> None:
    dist = DISTS[name]
    meta = wheel_metadata(dist_dir, dist)

    assert meta["Name"] == dist.name
    assert meta["Version"] == dist.version
    assert meta["Requires-Python"] == ">=3.10"
    assert meta["Summary"] == dist.project["description"]
    assert len(meta["Summary"]) > 20
    assert (meta["License-Expression"] or meta["License"]) == "MIT"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().strip(), "no long description (readme)"
    assert meta.get_all("Author") or meta.get_all("Author-email")
    assert meta["Keywords"]

    classifiers = set(meta.get_all("Classifier") or [])
    for python in PYTHONS:
        assert f"Programming Language :: Python :: {python}" in classifiers
    assert "Programming Language :: Python :: 3 :: Only" in classifiers
    assert ("Typing :: Typed" in classifiers) == bool(dist.packages)


@pytest.mark.parametrize("name", DISTS)
def test_project_urls_name_the_project_not_a_registry(dist_dir: Path, name: str) -> None:
    meta = wheel_metadata(dist_dir, DISTS[name])
    urls = dict(entry.split(", ", 1) for entry in meta.get_all("Project-URL") or [])

    assert {"Homepage", "Documentation", "Repository", "Issues"} <= set(urls)
    for url in [*urls.values(), meta["Home-page"], meta["Download-URL"]]:
        if url is None:
            continue
        host = urlsplit(url).hostname or ""
        assert urlsplit(url).scheme == "https", url
        assert not host.endswith(REGISTRY_HOSTS), url
    # Nowhere else in the metadata either (the readme becomes the long description).
    text = meta.as_string()
    assert not [h for h in REGISTRY_HOSTS if re.search(rf"[/.]{re.escape(h)}\b", text)]


@pytest.mark.parametrize("name", DISTS)
def test_every_requirement_has_a_version_range(dist_dir: Path, name: str) -> None:
    meta = wheel_metadata(dist_dir, DISTS[name])
    requirements = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]

    assert requirements or not DISTS[name].packages
    for requirement in requirements:
        operators = {spec.operator for spec in requirement.specifier}
        assert operators & {">=", ">", "~=", "=="}, f"{requirement}: no lower bound"
        assert operators & {"<", "<=", "~=", "=="}, f"{requirement}: no upper bound"


@pytest.mark.parametrize("name", DISTS)
def test_sdist_carries_the_same_metadata_and_its_sources(dist_dir: Path, name: str) -> None:
    dist = DISTS[name]
    with tarfile.open(dist_dir / f"{dist.stem}.tar.gz") as sdist:
        names = {
            member.name.split("/", 1)[1] for member in sdist.getmembers() if "/" in member.name
        }
        pkg_info = sdist.extractfile(f"{dist.stem}/PKG-INFO")
        assert pkg_info is not None
        meta = read_metadata(pkg_info.read().decode())

    wheel_meta = wheel_metadata(dist_dir, dist)
    for field in ("Name", "Version", "Summary", "Requires-Python"):
        assert meta[field] == wheel_meta[field]
    assert sorted(meta.get_all("Requires-Dist") or []) == sorted(
        wheel_meta.get_all("Requires-Dist") or []
    )
    assert {"pyproject.toml", "README.md"} <= names
    for path in source_files(dist):
        assert f"src/{path}" in names
