"""Discovery: the handlers of a ``functions/`` folder, one per file, named by the file's stem.

    handlers = discover(Path("functions"))

A file that defines no handler or several, that fails to import, or whose handler is not
``async def`` raises ``DiscoveryError(path, reason)``. Files starting with ``_`` are skipped.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path

from runtime.errors import DiscoveryError
from runtime.triggers import Handler


def discover(folder: Path) -> list[Handler]:
    """Every handler in ``folder``, sorted by name. Raises on the first bad file."""
    if not folder.is_dir():
        raise DiscoveryError(folder, "no such folder: point --functions at your functions/ folder")
    return [load(path) for path in function_files(folder)]


def function_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))


def load(path: Path) -> Handler:
    """The one handler defined in the file at ``path``."""
    module_name = f"parley_functions.{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise DiscoveryError(path, "not a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except TypeError as exc:
        raise DiscoveryError(path, str(exc)) from exc  # e.g. a handler that is not async
    except (Exception, SystemExit) as exc:  # a file calling sys.exit() must not stop the caller
        last = traceback.format_exception_only(exc)[-1].strip()
        raise DiscoveryError(path, f"import failed: {last}") from exc
    sys.modules.pop(module_name, None)
    handlers = [v for v in vars(module).values() if isinstance(v, Handler) and v.name == path.stem]
    if not handlers:
        raise DiscoveryError(
            path, "no handler: decorate one async function with @on_message, @on_join, ... or @on"
        )
    if len(handlers) > 1:
        names = ", ".join(sorted(h.fn.__name__ for h in handlers))
        raise DiscoveryError(path, f"several handlers ({names}): keep one function per file")
    return handlers[0]
