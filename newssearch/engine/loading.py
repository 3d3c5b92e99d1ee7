"""Reading what Whoosh pickled without running code from someone else's index.

Whoosh stores with pickle the schema and the list of segments (the TOC), each compound
segment's directory, the stored fields, posting values and some columns. Unpickling can
call any function the data names: an index folder received from someone else could run
code when opened (a TOC whose pickle runs ``touch`` did so on ``newssearch stats``).
``install_loading()`` makes every pickle Whoosh reads go through ``restricted_loads``, which
allows the builtins of plain data, and the classes of Whoosh's and newssearch's own kinds
(fields, schemas, analyzers, formats, codecs, segments, columns) from modules already
imported, and refuses anything else with UnsafePickleError, naming what was referred to.
It also reads the TOC itself, closing its file when the TOC is damaged (Whoosh's leaves it
open) and refusing the older TOC formats, whose loader unpickles without restriction.
"""

from __future__ import annotations

import io
import pickle
import sys
from typing import Any, BinaryIO

# Builtins and standard-library callables that plain data pickles name (protocol 2 writes
# bytes as _codecs.encode(text, "latin1"), Python 2 names as __builtin__).
_DATA = {
    *((m, n) for m in ("builtins", "__builtin__") for n in (
        "object", "int", "long", "float", "complex", "bool", "str", "unicode", "bytes", "bytearray", "list",
        "tuple", "dict", "set", "frozenset", "slice", "range")),
    ("_codecs", "encode"), ("copyreg", "_reconstructor"), ("copy_reg", "_reconstructor"),
    ("collections", "defaultdict"), ("collections", "OrderedDict"), ("array", "array"),
    ("array", "_array_reconstructor"), ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"),
    ("datetime", "timedelta"), ("datetime", "timezone"),
}
_OWN_PACKAGES = ("whoosh", "newssearch")
_cache: dict[tuple[str, str], Any] = {}


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle in the index refers to something else than plain data or Whoosh's and
    newssearch's own classes: it is not loaded, as loading it could run code."""

    def __init__(self, module: str, name: str) -> None:
        self.target = f"{module}.{name}"
        super().__init__(f"it refers to {self.target}, which is not one of Whoosh's or newssearch's classes: "
                         "refused, as loading it could run code")


def _own_bases() -> tuple[type, ...]:
    from whoosh.analysis import Composable
    from whoosh.codec.base import Codec, Segment
    from whoosh.columns import Column
    from whoosh.fields import FieldType, Schema
    from whoosh.formats import Format

    return Composable, Codec, Segment, Column, FieldType, Schema, Format


class _Restricted(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        key = (module, name)
        found = _cache.get(key)
        if found is None:
            found = _cache[key] = super().find_class(module, name) if key in _DATA else _own_class(module, name)
        return found


def _own_class(module: str, name: str) -> type:
    loaded = sys.modules.get(module)  # never import a module to load a pickle
    if loaded is not None and module.split(".")[0] in _OWN_PACKAGES and name.isidentifier():
        found = getattr(loaded, name, None)
        if isinstance(found, type) and issubclass(found, _own_bases()):
            return found
    raise UnsafePickleError(module, name)


def restricted_loads(data: bytes, *args: Any, **kwargs: Any) -> Any:
    """``pickle.loads`` allowing only plain data and Whoosh's and newssearch's own classes.
    The bytes go through a buffered reader, whose ``peek`` lets the C unpickler take them a
    buffer at a time: from a bare BytesIO it asked for them an opcode at a time (a posting
    block of a headline query: 22 us against 9; ``pickle.loads``, unrestricted, 6)."""
    buffered = io.BufferedReader(io.BytesIO(data), min(max(len(data), io.DEFAULT_BUFFER_SIZE), _BUFFER_MAX))
    return _Restricted(buffered).load()


_BUFFER_MAX = 1 << 20


def restricted_load(file: BinaryIO, *args: Any, **kwargs: Any) -> Any:
    """``pickle.load`` allowing only plain data and Whoosh's and newssearch's own classes."""
    return _Restricted(file).load()


class _PickleModule:
    """What whoosh.index uses of the pickle module, loading restricted."""

    PicklingError = pickle.PicklingError
    dumps = staticmethod(pickle.dumps)
    loads = staticmethod(restricted_loads)


def _read_toc(cls: Any, storage: Any, indexname: str, gen: int | None = None, schema: Any = None) -> Any:
    """Whoosh's TOC.read (2.7.5), closing its file whatever happens, and reading the current
    TOC format only."""
    from whoosh.index import _CURRENT_TOC_VERSION, _FLOAT_SIZE, _INT_SIZE, _LONG_SIZE, EmptyIndexError
    from whoosh.index import IndexVersionError as WhooshIndexVersionError

    if gen is None:
        gen = cls._latest_generation(storage, indexname)
        if gen < 0:
            raise EmptyIndexError(f"Index {indexname!r} does not exist in {storage!r}")
    stream = storage.open_file(cls._filename(indexname, gen))
    try:
        for what, size in (("int", _INT_SIZE), ("long", _LONG_SIZE), ("float", _FLOAT_SIZE)):
            if stream.read_varint() != size:
                raise ValueError(f"its {what} size is not this computer's (damaged, or another architecture)")
        if stream.read_int() != -12345:
            raise ValueError("byte order mark misread (damaged)")
        version = stream.read_int()
        release = (stream.read_varint(), stream.read_varint(), stream.read_varint())
        if version != _CURRENT_TOC_VERSION:
            raise WhooshIndexVersionError(f"Can't read TOC format {version}", version)
        if schema:
            stream.skip_string()
        else:
            schema = restricted_loads(stream.read_string())
        if stream.read_int() != gen:
            raise ValueError("its generation is not its file name's (damaged)")
        stream.read_int()  # unused
        segments = stream.read_pickle()
    finally:
        stream.close()
    return cls(schema, segments, gen, version=version, release=release)


def install_loading() -> None:
    """Route every pickle Whoosh reads through ``restricted_loads`` (idempotent)."""
    import whoosh.codec.whoosh3
    import whoosh.columns
    import whoosh.compat
    import whoosh.filedb.structfile
    import whoosh.formats
    import whoosh.index

    for module in (whoosh.codec.whoosh3, whoosh.columns, whoosh.formats, whoosh.compat):
        module.loads = restricted_loads
    whoosh.compat.load = restricted_load
    whoosh.filedb.structfile.load_pickle = restricted_load
    whoosh.index.pickle = _PickleModule
    whoosh.index.TOC.read = classmethod(_read_toc)
