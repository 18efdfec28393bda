"""A lean validator for bulk work-order payloads that vouches for the well-formed items only.

DRF spends most of a 1,000-item bulk request walking its field objects (run_validation, validators,
lazy error messages) for items that are fine. `compile_lean_validator(serializer)` walks the serializer's
fields once per request and builds plain closures that accept exactly the inputs they can decide for
certain (strings for text and decimals, ints, bools, aware ISO 8601 times, dicts and lists) and return
the same validated data as `serializer.run_validation` — the serializer's own `validate()` methods still
run. Anything else raises `Defer`, and the caller lets DRF decide: every error body therefore still
comes from DRF, word for word. A serializer with a field, validator or hook this module does not know
compiles to None (DRF validates everything), so a new field cannot slip past it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import ISO_8601, serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from aftersales.api.fields import AwareDateTimeField

Check = Callable[[Any], Any]
_MISSING = empty  # what DRF's get_value gives for an absent key
_SURROGATE = re.compile("[\ud800-\udfff]")


class Defer(Exception):  # noqa: N818 — control flow: "not sure, ask DRF"
    """The lean validator cannot vouch for this value; DRF validates the item (and words its errors)."""


class _Unsupported(Exception):  # noqa: N818 — compile-time only
    pass


def compile_lean_validator(serializer: serializers.Serializer) -> Check | None:
    """A function item → validated data (as `serializer.run_validation(item)` returns it) that raises Defer
    when unsure; None when the serializer uses something this module does not model."""
    try:
        return _compile(serializer)
    except _Unsupported:
        return None


def _compile(field: Any) -> Check:
    kind = type(field)
    if field.read_only or field.source != field.field_name and field.field_name:
        raise _Unsupported(field)
    if isinstance(field, serializers.ListSerializer):
        check = _list(field)
    elif isinstance(field, serializers.Serializer):
        check = _serializer(field)
    elif kind is serializers.CharField:
        check = _char(field)
    elif kind is serializers.ChoiceField:
        check = _choice(field)
    elif kind is serializers.IntegerField:
        check = _integer(field)
    elif kind is serializers.DecimalField:
        check = _decimal(field)
    elif kind is serializers.BooleanField:
        check = _boolean(field)
    elif kind is AwareDateTimeField:
        check = _aware_datetime(field)
    else:
        raise _Unsupported(field)
    return _with_empty_values(field, check)


def _with_empty_values(field: Any, check: Check) -> Check:
    """Field.validate_empty_values: an absent key takes the default, None is allowed or not."""
    required, allow_null, default = field.required, field.allow_null, field.default
    if getattr(default, "requires_context", False):
        raise _Unsupported(field)
    has_default = default is not empty

    def run(value: Any) -> Any:
        if value is _MISSING:
            if required or not has_default:
                raise Defer  # 'required', or SkipField: DRF's business
            return default() if callable(default) else default
        if value is None:
            if allow_null:
                return None
            raise Defer
        return check(value)

    return run


def _only_validators(field: Any, *allowed: type) -> list[Any]:
    for validator in field.validators:
        if not isinstance(validator, allowed):
            raise _Unsupported(field)
    return list(field.validators)


def _char(field: serializers.CharField) -> Check:
    validators = _only_validators(field, MaxLengthValidator, MinLengthValidator, ProhibitNullCharactersValidator,
                                  ProhibitSurrogateCharactersValidator)
    for validator in validators:  # the limits DRF derived from max_length / min_length, nothing else
        if isinstance(validator, MaxLengthValidator) and validator.limit_value != field.max_length:
            raise _Unsupported(field)
        if isinstance(validator, MinLengthValidator) and validator.limit_value != field.min_length:
            raise _Unsupported(field)
    max_length, min_length = field.max_length, field.min_length or 0
    allow_blank, trim = field.allow_blank, field.trim_whitespace

    def check(value: Any) -> str:
        if type(value) is not str:
            raise Defer  # numbers are coerced by DRF; everything else is its error
        if trim:
            value = value.strip()
        if not value:
            if allow_blank:
                return ""
            raise Defer
        if (max_length is not None and len(value) > max_length) or len(value) < min_length:
            raise Defer
        if "\x00" in value or (not value.isascii() and _SURROGATE.search(value)):
            raise Defer
        return value

    return check


def _choice(field: serializers.ChoiceField) -> Check:
    _only_validators(field)
    choices, allow_blank = dict(field.choice_strings_to_values), field.allow_blank

    def check(value: Any) -> Any:
        if type(value) is not str:
            raise Defer
        if value == "" and allow_blank:
            return ""
        try:
            return choices[value]
        except KeyError:
            raise Defer from None

    return check


def _bounds(field: Any) -> tuple[Any, Any]:
    validators = _only_validators(field, MinValueValidator, MaxValueValidator)
    for validator in validators:
        expected = field.min_value if isinstance(validator, MinValueValidator) else field.max_value
        if validator.limit_value != expected:
            raise _Unsupported(field)
    return field.min_value, field.max_value


def _integer(field: serializers.IntegerField) -> Check:
    low, high = _bounds(field)

    def check(value: Any) -> int:
        if type(value) is not int or (low is not None and value < low) or (high is not None and value > high):
            raise Defer
        return value

    return check


def _decimal(field: serializers.DecimalField) -> Check:
    low, high = _bounds(field)
    if field.localize or field.max_digits is None or field.decimal_places is None:
        raise _Unsupported(field)
    places = field.decimal_places
    # Plain unsigned decimals within the field's whole and decimal digits: DRF's validate_precision passes
    # them and quantize only pads zeros (no rounding), so Decimal(text).quantize(step) is its result.
    pattern = re.compile(rf"\d{{1,{field.max_whole_digits}}}" + (rf"(?:\.\d{{1,{places}}})?" if places else ""))
    step = Decimal(1).scaleb(-places)
    match = pattern.fullmatch

    def check(value: Any) -> Decimal:
        if type(value) is not str or match(value) is None:
            raise Defer
        number = Decimal(value).quantize(step)
        if (low is not None and number < low) or (high is not None and number > high):
            raise Defer
        return number

    return check


def _boolean(field: serializers.BooleanField) -> Check:
    _only_validators(field)

    def check(value: Any) -> bool:
        if value is True or value is False:
            return value
        raise Defer

    return check


def _aware_datetime(field: AwareDateTimeField) -> Check:
    _only_validators(field)
    formats = getattr(field, "input_formats", api_settings.DATETIME_INPUT_FORMATS)
    if hasattr(field, "timezone") or not formats or str(formats[0]).lower() != ISO_8601:
        raise _Unsupported(field)
    zone = field.default_timezone()
    if zone is None:
        raise _Unsupported(field)

    def check(value: Any) -> dt.datetime:
        if type(value) is not str or "\x00" in value:
            raise Defer
        try:
            parsed = parse_datetime(value)
        except ValueError:
            raise Defer from None
        if parsed is None or timezone.is_naive(parsed):
            raise Defer
        try:
            return parsed.astimezone(zone)
        except OverflowError:
            raise Defer from None

    return check


def _hook(serializer: Any, base: type) -> Callable[[Any], Any] | None:
    """The serializer's own validate(), when it overrides DRF's no-op; refused if it has validators."""
    if list(serializer.validators):
        raise _Unsupported(serializer)
    return serializer.validate if type(serializer).validate is not base.validate else None


def _serializer(serializer: serializers.Serializer) -> Check:
    fields: list[tuple[str, Check]] = []
    for field in serializer._writable_fields:
        if hasattr(serializer, f"validate_{field.field_name}") or field.source_attrs != [field.field_name]:
            raise _Unsupported(field)
        fields.append((field.field_name, _compile(field)))
    validate = _hook(serializer, serializers.Serializer)

    def check(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise Defer
        get = value.get
        validated = {name: run(get(name, _MISSING)) for name, run in fields}
        return _run_hook(validate, validated)

    return check


def _run_hook(validate: Check | None, validated: Any) -> Any:
    """The serializer's own validate(), if any; whatever it refuses, DRF words (Defer)."""
    if validate is None:
        return validated
    try:
        return validate(validated)
    except (serializers.ValidationError, DjangoValidationError):
        raise Defer from None


def _list(field: serializers.ListSerializer) -> Check:
    child = field.child
    if child.read_only:
        raise _Unsupported(child)
    run_child = _with_empty_values(child, _serializer(child) if isinstance(child, serializers.Serializer)
                                   else _compile(child))
    validate = _hook(field, serializers.ListSerializer)
    allow_empty, max_length, min_length = field.allow_empty, field.max_length, field.min_length or 0

    def check(value: Any) -> list[Any]:
        if type(value) is not list or (not value and not allow_empty) or len(value) < min_length \
                or (max_length is not None and len(value) > max_length):
            raise Defer
        validated = [run_child(item) for item in value]
        return _run_hook(validate, validated)

    return check
