"""The Python code of ``proto/parley/v1/*.proto``, generated into ``gateway/rpc/v1/``.

    python -m gateway.rpc.codegen            # write it (after you change a .proto)
    python -m gateway.rpc.codegen --check    # exit 1 when the committed code is stale

grpcio-tools' ``protoc`` writes the messages (``*_pb2.py``) and the service stubs
(``*_pb2_grpc.py``); mypy-protobuf writes their typed stubs (``*.pyi``). Both are pinned in
``pyproject.toml`` so that every checkout generates the same bytes, and a unit test runs the
check. The imports protoc writes (``from parley.v1 import chat_pb2``) name the proto package, not
this one: they are made relative.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTO = ROOT / "proto"
OUT = Path(__file__).resolve().parent / "v1"
INIT = '"""Generated from proto/parley/v1 by ``python -m gateway.rpc.codegen``: do not edit."""\n'


def generate(out: Path) -> None:
    """Write the generated package into ``out`` (created; nothing else there is kept)."""
    from grpc_tools import protoc  # a dev dependency: only generating needs it

    sources = sorted(str(p.relative_to(PROTO)) for p in (PROTO / "parley" / "v1").glob("*.proto"))
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            "protoc",
            f"-I{PROTO}",
            f"-I{Path(protoc.__file__).parent / '_proto'}",
            f"--plugin=protoc-gen-mypy={bindir / 'protoc-gen-mypy'}",
            f"--plugin=protoc-gen-mypy_grpc={bindir / 'protoc-gen-mypy_grpc'}",
            f"--python_out={tmp}",
            f"--grpc_python_out={tmp}",
            f"--mypy_out={tmp}",
            f"--mypy_grpc_out={tmp}",
            *sources,
        ]
        if protoc.main(args) != 0:
            raise SystemExit(f"protoc failed on {', '.join(sources)} (its message is above)")
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        (out / "__init__.py").write_text(INIT)
        for path in sorted((Path(tmp) / "parley" / "v1").iterdir()):
            (out / path.name).write_text(_relative(path.read_text()))


def _relative(code: str) -> str:
    code = re.sub(r"^import parley\.v1\.(\w+) as ", r"from . import \1 as ", code, flags=re.M)
    return re.sub(r"^from parley\.v1 import ", "from . import ", code, flags=re.M)


def stale(out: Path = OUT) -> list[str]:
    """The generated files that differ from what the protos generate now (empty: up to date)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "v1"
        generate(fresh)
        names = {p.name for p in fresh.iterdir()} | {
            p.name for p in out.glob("*") if p.suffix in (".py", ".pyi")
        }
        return sorted(
            name
            for name in names
            if not (out / name).is_file()
            or not (fresh / name).is_file()
            or (out / name).read_text() != (fresh / name).read_text()
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the code is stale")
    args = parser.parse_args(argv)
    if not args.check:
        generate(OUT)
        print(f"wrote {OUT.relative_to(ROOT)}")
        return 0
    if changed := stale():
        print(
            f"gateway/rpc/v1 is stale ({', '.join(changed)}): run `python -m gateway.rpc.codegen`",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
