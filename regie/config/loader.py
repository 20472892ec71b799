"""The one way a configuration file becomes a typed model: YAML read, validated by pydantic, and
every error turned into one ConfigError that names the file, the operator, the key and what is
expected (`load_model`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from regie.config.yaml_cache import parse_cached


class ConfigError(ValueError):
    """A configuration file is wrong; the message says where and what is expected."""


Model = TypeVar("Model", bound=BaseModel)


def load_model(
    path: Path,
    model: type[Model],
    *,
    context: Mapping[str, Any] | None = None,
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    explain: Callable[[str], str] | None = None,
) -> Model:
    """Read the YAML mapping at `path` and validate it as `model`. `prepare` may amend the data
    first (an override from the command line), `context` is pydantic's validation context, and
    `explain` may reword the error message (e.g. field aliases). Raises ConfigError."""
    data = read_yaml(path)
    if prepare is not None:
        data = prepare(data)
    try:
        return model.model_validate(data, context=dict(context) if context is not None else None)
    except ValidationError as exc:
        message = str(format_validation_error(path, exc, model, data))
        raise ConfigError(explain(message) if explain else message) from None


class DuplicateKeyError(yaml.YAMLError):
    """A mapping names the same key twice (YAML would silently keep the last)."""


class UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader (its C version when built) refusing duplicate keys in any mapping.
    Merge keys (`<<: *defaults`) may still be overridden: only keys written twice are refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[Any, int] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                earlier = first_line.get(key)
            except TypeError:  # an unhashable key: the base constructor reports it
                continue
            line = key_node.start_mark.line + 1
            if earlier is not None:
                raise DuplicateKeyError(f"duplicate key {key!r} at line {line} (first at line {earlier}); "
                                        "a key may appear only once in a mapping")
            first_line[key] = line
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> Any:
    """Parse one YAML document with the project's loader (safe, duplicate keys refused)."""
    return yaml.load(text, Loader=UniqueKeyLoader)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping, or raise a ConfigError naming the file."""
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    try:
        data = parse_cached(path.read_text(encoding="utf-8"), parse_yaml)
    except DuplicateKeyError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def _key_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _explain(error: ErrorDetails, model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        hint = f" (expected one of: {', '.join(allowed)})" if allowed else ""
        return f"unknown key{hint}"
    if error["type"] == "missing":
        return "required key is missing"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found at `loc`, to suggest in an unknown-key error."""
    current: Any = model
    for item in loc:
        if isinstance(item, int):
            continue
        field = getattr(current, "model_fields", {}).get(item)
        if field is None:
            return []
        current = _model_in(field.annotation)
        if current is None:
            return []
    return sorted(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def format_validation_error(
    path: Path, exc: ValidationError, model: type[BaseModel], data: dict[str, Any]
) -> ConfigError:
    """Turn pydantic's errors into one ConfigError naming file, operator and key."""
    lines = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        where = f"key '{_key_path(loc)}'" if loc else "top level"
        if len(loc) >= 2 and loc[0] == "operators" and isinstance(loc[1], int):
            operator = _operator_label(data, loc[1])
            where = f"operator {operator}: key '{_key_path(loc[2:])}'" if loc[2:] else f"operator {operator}"
        lines.append(f"{path}: {where}: {_explain(error, model, loc)}")
    return ConfigError("\n".join(lines))


def _operator_label(data: dict[str, Any], index: int) -> str:
    try:
        entry = data["operators"][index]
        return f"'{entry['id']}'"
    except (KeyError, IndexError, TypeError):
        return f"#{index + 1}"
