"""Reading YAML files defensively: bytes -> text -> node tree (checked) -> plain Python values.

PyYAML's ``safe_load`` builds no arbitrary objects, but it still lets a second key silently
override the first, and an alias chain ("billion laughs") is stored as shared references that
explode as soon as anything walks, hashes or prints the value. So the file is composed into
PyYAML's node tree first, and that tree is checked before any value is constructed:

* duplicate keys in a mapping are refused, naming the key path and both line numbers (merge
  keys ``<<:`` may still be overridden by explicit keys, as YAML intends);
* the size the document would have with every alias expanded is counted on the node tree
  (memoized per node, so counting is linear in the file even when the expansion is exponential)
  and refused above ``MAX_EXPANDED_NODES``; recursive aliases are refused;
* the text must be UTF-8 (a UTF-8 BOM is dropped), or UTF-16/UTF-32 with a BOM, which is decoded;
  anything else is one line naming the byte offset, line and column.

Every problem is a ``UserError`` of one line naming the file; values in messages go through
``brief`` (reprlib), which never expands a nested value.
"""

from __future__ import annotations

import codecs
import os
import reprlib
from pathlib import Path
from typing import Any

import yaml

from dse.errors import UserError

# A design-space spec is a few hundred nodes; the largest shipped spec (large_space.yaml) is
# ~100. A million-node document is not a spec, and its expansion would already take seconds.
MAX_EXPANDED_NODES = 100_000
BRIEF_CHARS = 80  # longest value quoted in a message
MERGE_TAG = "tag:yaml.org,2002:merge"

_BRIEF = reprlib.Repr()
_BRIEF.maxlevel, _BRIEF.maxlist, _BRIEF.maxdict, _BRIEF.maxstring, _BRIEF.maxother = 2, 4, 4, 40, 40
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def brief(value: Any) -> str:
    """A bounded repr: nested values and long strings are cut with '...', never expanded."""
    text = _BRIEF.repr(value)
    return text if len(text) <= BRIEF_CHARS else text[: BRIEF_CHARS - 3] + "..."


def read_text(path: Path, what: str = "file") -> str:
    """The text of a UTF-8 (or BOM-marked UTF-16/32) file; OS and encoding problems are one line."""
    if "\0" in str(path):
        raise UserError(f"{brief(str(path))}: a file path cannot contain a NUL byte")
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory; expected a {what}") from None
    except FileNotFoundError:
        raise UserError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    return decode(data, str(path))


def decode(data: bytes, label: str) -> str:
    for bom, codec in _BOMS:  # UTF-32-LE's BOM starts with UTF-16-LE's, so it is tried first
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise UserError(f"{label}: not valid {codec} text after its byte-order mark ({exc.reason} "
                                f"at byte {exc.start})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = ("; it looks like UTF-16 without a byte-order mark" if b"\0" in data[:64]
                else "; save the file as UTF-8")
        raise UserError(f"{label}: not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}, column {col})"
                        f"{hint}") from None
    if "\0" in text:
        at = text.index("\0")
        line = text.count("\n", 0, at) + 1
        raise UserError(f"{label}: line {line}: NUL byte in the text (UTF-16 without a byte-order mark? save "
                        "the file as UTF-8)")
    return text


def load(text: str, label: str) -> Any:
    """Safe YAML -> Python values, after the duplicate-key and alias-expansion checks."""
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # its reader refuses non-printable characters here
        node = loader.get_single_node()
        if node is None:
            return None
        _check_duplicates(node, label)
        _check_expansion(node, label)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc)
        if isinstance(exc, yaml.reader.ReaderError):
            where = f"line {text.count(chr(10), 0, exc.position) + 1}"
            problem = f"character #x{exc.character:04x} is not allowed in YAML"
        raise UserError(f"{label}: {where}: not valid YAML ({' '.join(str(problem).split())})") from None
    except RecursionError:
        raise UserError(f"{label}: YAML nested too deeply to read (hundreds of levels); "
                        "a spec is a few levels deep") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_file(path: str | os.PathLike, what: str = "file") -> tuple[Any, str]:
    """(values, text) of a YAML file; ``text`` is what the caller hashes."""
    p = Path(path)
    text = read_text(p, what)
    return load(text, str(p)), text


def _key_label(key: yaml.Node) -> str:
    return str(key.value) if isinstance(key, yaml.ScalarNode) else brief(key.value)


def _check_duplicates(root: yaml.Node, label: str) -> None:
    """Refuse a key written twice in one mapping (iterative walk, each node once)."""
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, Any], int] = {}
            for key, value in node.value:
                if key.tag == MERGE_TAG:
                    stack.append((value, path))
                    continue
                name = _key_label(key)
                where = f"{path}.{name}" if path else name
                ident = (key.tag, key.value if isinstance(key, yaml.ScalarNode) else brief(key.value))
                line = key.start_mark.line + 1
                if ident in first:
                    raise UserError(f"{label}: duplicate key {brief(where)} at line {line} "
                                    f"(first at line {first[ident]}); each key may appear once")
                first[ident] = line
                stack.append((value, where))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(node.value))


def _check_expansion(root: yaml.Node, label: str) -> None:
    """Count nodes with every alias expanded, memoized on the (shared) node objects."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            kids = _children(node)
            total = 1 + sum(size[id(k)] for k in kids)
            size[key] = total
            if total > MAX_EXPANDED_NODES:
                line = node.start_mark.line + 1
                raise UserError(
                    f"{label}: line {line}: aliases expand to more than {MAX_EXPANDED_NODES:,} values "
                    "(an alias bomb?); a spec needs a few hundred")
            continue
        if key in size:
            continue
        if key in on_path:
            raise UserError(f"{label}: line {node.start_mark.line + 1}: recursive alias (a value that "
                            "contains itself)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []

