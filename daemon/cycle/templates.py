"""Reading the follow-up templates: the user's ``templates_dir`` or the built-in ones (the
package ``relance.templates``, which may be inside a zipped wheel: both are ``Traversable``),
into the core's ``TemplateSet``; and ``relance templates export``.

Rendering is the core's (``core.templating``); this module only reads and writes files. Every
problem comes out as ``TemplateError`` naming the file or directory and the fix.
"""

from __future__ import annotations

import shutil
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ..core.errors import TemplateError
from ..core.templating import BUILTIN, TEMPLATE_SUFFIX, TemplateSet

PACKAGE = "relance.templates"
TEMPLATE_FILES = ".j2"  # what is read from each language folder: templates and their includes


def load_templates(directory: Path | None = None) -> TemplateSet:
    """Return the templates in ``directory`` (a user's ``templates_dir``), or the package's
    own when it is None. Raise ``TemplateError`` when the directory cannot be used or one of
    its templates cannot be read."""
    if directory is None:
        return _read(resources.files(PACKAGE), BUILTIN)
    if not directory.is_dir():
        raise TemplateError(
            f"templates_dir {directory} is not a directory. Create it with "
            f"`relance templates export {directory}`, or remove templates_dir from the "
            "configuration to use the built-in templates."
        )
    return _read(directory, str(directory))


def _folders(root: Traversable) -> list[Traversable]:
    """The folders under ``root`` that may hold templates (hidden ones and Python's caches
    left out), sorted by name."""
    found = (n for n in root.iterdir() if n.is_dir())
    return sorted((n for n in found if not n.name.startswith(".") and n.name != "__pycache__"),
                  key=lambda n: n.name)


def _read(root: Traversable, origin: str) -> TemplateSet:
    """Return every ``*.j2`` file of every folder of ``root``, read as UTF-8, as a set whose
    messages name ``origin``."""
    sources: dict[tuple[str, str], str] = {}
    folders = _folders(root)
    for folder in folders:
        for node in sorted(folder.iterdir(), key=lambda n: n.name):
            if not node.is_file() or not node.name.endswith(TEMPLATE_FILES):
                continue
            try:
                sources[(folder.name, node.name)] = node.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TemplateError(
                    f"{origin}/{folder.name}/{node.name} cannot be read ({exc}). Save it as "
                    "UTF-8 text, or remove it."
                ) from None
    return TemplateSet(sources, origin, frozenset(f.name for f in folders))


def export_templates(dest: Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the built-in templates into ``dest`` (``relance templates export DIR``) and return
    the files written. Raise ``TemplateError`` listing the files that exist, writing nothing,
    unless ``overwrite``."""
    root = resources.files(PACKAGE)
    pairs: list[tuple[Traversable, Path]] = []
    for folder in sorted(root.iterdir(), key=lambda n: n.name):
        if not folder.is_dir() or folder.name.startswith(("_", ".")):
            continue
        for node in sorted(folder.iterdir(), key=lambda n: n.name):
            if node.is_file() and node.name.endswith(TEMPLATE_SUFFIX):
                pairs.append((node, dest / folder.name / node.name))
    existing = [target for _, target in pairs if target.exists()]
    if existing and not overwrite:
        shown = ", ".join(str(p) for p in existing[:3]) + (" ..." if len(existing) > 3 else "")
        raise TemplateError(
            f"{len(existing)} template(s) already exist in {dest} ({shown}); nothing was written. "
            "Choose an empty directory, or pass --overwrite to replace them."
        )
    for node, target in pairs:
        target.parent.mkdir(parents=True, exist_ok=True)
        with node.open("rb") as src, target.open("wb") as out:
            shutil.copyfileobj(src, out)
    return [target for _, target in pairs]
