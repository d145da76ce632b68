"""Read a YAML file and remember the line of every value.

Validation reports problems by field path (``processing[2].retention``); the
line map turns that path into ``file:line`` so legal staff can jump to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FieldPath = tuple[str | int, ...]
# libyaml's parser is some twenty times faster; PyYAML's own is the fallback.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_STRING = "tag:yaml.org,2002:str"
# Keys the constructor rewrites before building a mapping: merge keys (<<) and the rare value key (=).
_REWRITTEN_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class SourceError(Exception):
    """The file cannot be read as YAML at all."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.line = line
        self.reason = reason


@dataclass
class SourceDocument:
    path: Path
    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[FieldPath, int]] = field(default_factory=list)

    def line_of(self, path: FieldPath) -> int | None:
        """The line of the deepest part of ``path`` that exists in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


def _walk(loader: Any, node: yaml.Node, path: FieldPath, doc: SourceDocument, line: int | None = None) -> Any:
    # ``line``: where an editor should land for this value — its key's line when it has one.
    doc.lines[path] = line or node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        own: set[int] | None = None  # the mapping's own key nodes, when a merge brings in others
        if any(key_node.tag in _REWRITTEN_KEYS for key_node, _ in node.value):
            own = {id(key_node) for key_node, _ in node.value}
            loader.flatten_mapping(node)  # resolves YAML merge keys (<<)
        result: dict[Any, Any] = {}
        written: set[Any] = set()
        for key_node, value_node in node.value:
            # Most keys are plain strings: taken as they are, without the constructor's bookkeeping.
            key = key_node.value if key_node.tag == _PLAIN_STRING else loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                key = str(key)
            child = (*path, key)
            key_line = key_node.start_mark.line + 1
            if own is None or id(key_node) in own:  # a merged key may be overridden; a key written twice is a slip
                if key in written:
                    doc.duplicate_keys.append((child, key_line))
                written.add(key)
            result[key] = _walk(loader, value_node, child, doc, key_line)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, item, (*path, index), doc) for index, item in enumerate(node.value)]
    if node.tag == _PLAIN_STRING:
        return node.value  # most values: skip the constructor's bookkeeping
    return loader.construct_object(node, deep=True)


def read_yaml(path: Path) -> SourceDocument:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(path, None, "missing") from None
    except UnicodeDecodeError as error:
        raise SourceError(path, None, f"encoding:{error.start}") from None
    except OSError as error:
        raise SourceError(path, None, f"unreadable:{error.strerror}") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        doc = SourceDocument(path=path, data=None)
        if node is None:
            return doc
        doc.data = _walk(loader, node, (), doc)
        return doc
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise SourceError(path, line, f"syntax:{error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise SourceError(path, None, f"syntax:{error}") from None
    finally:
        loader.dispose()
