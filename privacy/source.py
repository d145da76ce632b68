"""Read a YAML file, and find the line of any value in it.

Validation reports problems by field path (``processing[2].retention``); the
parsed tree turns that path into ``file:line`` so legal staff can jump to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .yaml_slips import find_slip

FieldPath = tuple[str | int, ...]
# libyaml's parser is some twenty times faster; PyYAML's own is the fallback.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_STRING = "tag:yaml.org,2002:str"
# Keys the constructor rewrites before building a mapping: merge keys (<<) and the rare value key (=).
# libyaml's words for a quoted text that runs to the end of the file, and for a line that is not "key: value".
UNCLOSED_QUOTE = "found unexpected end of stream"
NO_COLON = "could not find expected ':'"
_MERGE = "tag:yaml.org,2002:merge"
_REWRITTEN_KEYS = (_MERGE, "tag:yaml.org,2002:value")


class SourceError(Exception):
    """The file cannot be read as YAML at all."""

    def __init__(self, path: Path, line: int | None, reason: str, params: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.path = path
        self.line = line
        self.reason = reason
        self.params = params or {}


@dataclass
class SourceDocument:
    path: Path
    data: Any
    root: yaml.Node | None = None  # the parsed tree, where lines are looked up when a problem needs one
    duplicate_keys: list[tuple[FieldPath, int]] = field(default_factory=list)
    # Keys that are not plain strings (``2:``, ``yes:``), as they were read: found by their node.
    typed_keys: dict[int, Any] = field(default_factory=dict)

    def line_of(self, path: FieldPath) -> int | None:
        """The line of the deepest part of ``path`` that exists in the file; a value's is its key's line."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in path:
            if isinstance(node, yaml.MappingNode):
                found = None
                for key_node, value_node in node.value:  # the last one wins, as in the data
                    if self._key(key_node) == part:
                        found = key_node, value_node
                if found is None:
                    break
                line, node = found[0].start_mark.line + 1, found[1]
            elif isinstance(node, yaml.SequenceNode) and type(part) is int and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def _key(self, node: yaml.Node) -> Any:
        return node.value if node.tag == _PLAIN_STRING else self.typed_keys.get(id(node))


# Mappings with fewer entries than keys, by node: the node and its own keys (those written in it, not merged in).
Repeats = dict[int, tuple[yaml.MappingNode, list[yaml.Node]]]


def _walk(loader: Any, node: yaml.Node, doc: SourceDocument, repeats: Repeats) -> Any:
    # Only the data: where each value was written is looked up in the tree when it is needed (line_of).
    if isinstance(node, yaml.MappingNode):
        own = None
        if any(key_node.tag in _REWRITTEN_KEYS for key_node, _ in node.value):
            own = [key_node for key_node, _ in node.value if key_node.tag != _MERGE]
            loader.flatten_mapping(node)  # resolves YAML merge keys (<<)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            # Most keys are plain strings: taken as they are, without the constructor's bookkeeping.
            key = key_node.value if key_node.tag == _PLAIN_STRING else _typed_key(loader, key_node, doc)
            result[key] = _walk(loader, value_node, doc, repeats)
        if len(result) < len(node.value):  # a key written twice, or merged keys overridden: sorted out below
            # The first walk's own keys stand: a mapping reached again through an alias is flattened by then.
            repeats.setdefault(id(node), (node, own if own is not None else [key for key, _ in node.value]))
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, item, doc, repeats) for item in node.value]
    if node.tag == _PLAIN_STRING:
        return node.value  # most values: skip the constructor's bookkeeping
    return loader.construct_object(node, deep=True)


def _typed_key(loader: Any, node: yaml.Node, doc: SourceDocument) -> Any:
    key = loader.construct_object(node, deep=True)
    if not isinstance(key, (str, int)):
        key = str(key)
    doc.typed_keys[id(node)] = key
    return key


def _mapping_paths(node: yaml.Node, path: FieldPath, doc: SourceDocument) -> Iterator[tuple[yaml.Node, FieldPath]]:
    if isinstance(node, yaml.MappingNode):
        yield node, path
        for key_node, value_node in node.value:
            yield from _mapping_paths(value_node, (*path, doc._key(key_node)), doc)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _mapping_paths(item, (*path, index), doc)


def _duplicates(doc: SourceDocument, repeats: Repeats) -> list[tuple[FieldPath, int]]:
    """Each key written a second time in the same mapping (a merged key that is overridden is no slip)."""
    assert doc.root is not None
    paths: dict[int, FieldPath] = {}
    for mapping, path in _mapping_paths(doc.root, (), doc):
        paths.setdefault(id(mapping), path)  # where it is written, not where an alias repeats it
    found = []
    for node, own in repeats.values():
        written: set[Any] = set()
        for key_node in own:
            key = doc._key(key_node)
            if key in written:
                found.append(((*paths[id(node)], key), key_node.start_mark.line + 1))
            written.add(key)
    return sorted(found, key=lambda duplicate: duplicate[1])


def read_text(path: Path) -> str:
    """A source file's text, or a SourceError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(path, None, "missing") from None
    except UnicodeDecodeError as error:
        raise SourceError(path, None, f"encoding:{error.start}") from None
    except OSError as error:
        raise SourceError(path, None, f"unreadable:{error.strerror}") from None


def read_yaml(path: Path, text: str | None = None) -> SourceDocument:
    """``path`` parsed (``text``: its text, already read)."""
    text = read_text(path) if text is None else text
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        doc = SourceDocument(path=path, data=None, root=node)
        if node is None:
            return doc
        repeats: Repeats = {}
        doc.data = _walk(loader, node, doc, repeats)
        if repeats:
            doc.duplicate_keys = _duplicates(doc, repeats)
        return doc
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        slip = find_slip(text, mark.line + 1 if mark else None)
        if slip is not None:  # the line typed wrong, rather than the one where the parser gave up
            raise SourceError(path, slip.line, f"slip:{slip.message}", slip.params) from None
        if error.problem in (UNCLOSED_QUOTE, NO_COLON) and error.context_mark:
            mark = error.context_mark  # the line at fault, not the one where the parser gave up
        line = mark.line + 1 if mark else None
        raise SourceError(path, line, f"syntax:{error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise SourceError(path, None, f"syntax:{error}") from None
    finally:
        loader.dispose()
