"""Error bodies: DRF's nested field → messages structure, and its flat form with spelled-out paths
(`labour_lines[2].technician`) for bulk answers."""

from __future__ import annotations

import re
from typing import Any

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"labour_lines": [{}, {"technician": ["…"]}]} → {"labour_lines[1].technician": ["…"]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):  # DRF reports list items by index in a dict: {0: {...}}
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors" and prefix:
                path = prefix
            flat.update(_merge(flat, flatten_errors(value, path)))
    elif isinstance(errors, list):
        if all(isinstance(e, str) for e in errors):
            flat[prefix or "non_field_errors"] = [str(e) for e in errors]
        else:
            for position, value in enumerate(errors):
                if value:
                    flat.update(_merge(flat, flatten_errors(value, f"{prefix}[{position}]")))
    else:
        flat[prefix or "non_field_errors"] = [str(errors)]
    return flat


def _merge(into: dict[str, list[str]], new: dict[str, list[str]]) -> dict[str, list[str]]:
    return {key: into.get(key, []) + value for key, value in new.items()}


def nest_errors(flat: dict[str, list[str]]) -> dict[str, Any]:
    """The inverse: {"labour_lines[1].technician": ["…"]} → {"labour_lines": [{}, {"technician": ["…"]}]}."""
    root: dict[str, Any] = {}
    for path, messages in flat.items():
        steps = [(m.group(1), m.group(2)) for m in _STEP.finditer(path)]
        node: Any = root
        for position, (name, index) in enumerate(steps):
            last = position == len(steps) - 1
            if name is not None:
                if last:
                    node.setdefault(name, []).extend(messages)
                else:
                    nxt_is_index = steps[position + 1][1] is not None
                    node = node.setdefault(name, [] if nxt_is_index else {})
            else:
                i = int(index)
                while len(node) <= i:
                    node.append({})
                if last:
                    node[i] = list(messages)
                else:
                    node = node[i]
    return root
