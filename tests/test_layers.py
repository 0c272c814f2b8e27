"""The subpackages of qnas form layers: a module imports only from lower layers (imports
inside functions included), so there are no import cycles between subpackages."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "qnas"

# Lowest first. `sim` must not reach `compile`, `ir` must not reach `backends`.
LAYERS = ["suggest", "rundir", "report", "gates", "ir", "devices", "noise", "sim", "compile",
          "noisy", "spaces", "search", "elivagar", "prune", "tasks", "backends", "config",
          "train", "pipeline", "experiments", "cli"]


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, node.lineno


def test_every_subpackage_is_in_a_layer():
    found = {p.stem if p.is_file() else p.name for p in SRC.iterdir()
             if (p.is_dir() and (p / "__init__.py").exists() or p.suffix == ".py")
             and p.name != "__init__.py"}
    found |= {p.name for p in SRC.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    assert found - {"__pycache__"} <= set(LAYERS), sorted(found - set(LAYERS))


def test_no_module_imports_a_higher_layer():
    rank = {name: i for i, name in enumerate(LAYERS)}
    bad = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel == Path("__init__.py"):
            continue  # the package root re-exports the public API
        here = rel.parts[0].removesuffix(".py")
        for module, line in _imports(path):
            parts = module.split(".")
            if parts[0] != "qnas" or len(parts) < 2 or parts[1] == here:
                continue
            if rank[parts[1]] > rank[here]:
                bad.append(f"{rel}:{line} imports {module} ({here} is below {parts[1]})")
    assert not bad, "\n".join(bad)
