"""Checks a customer's signature image: a real, complete, non-blank PNG of sensible size.

No imaging library is needed: PNG is a signature followed by CRC-checked chunks (RFC 2083 /
ISO 15948). We walk the chunks, verify every CRC, read the header, inflate the image data with a
bounded decompressor (no zip bombs) and check that some pixel was drawn.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import zlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNATURE_MAX_BYTES = 300 * 1024
SIGNATURE_MIN_SIZE = (100, 40)  # pixels: smaller is not a drawn signature
SIGNATURE_MAX_SIZE = (2400, 1200)
# bits per pixel per colour type, for bit depth 8; scaled by depth below
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_DATA_URL = re.compile(r"^data:image/png;base64,(?P<data>[A-Za-z0-9+/=\s]+)$")


@dataclass(frozen=True)
class PngInfo:
    width: int
    height: int
    bytes: int


def decode_data_url(value: str, *, field: str = "signature") -> bytes:
    """The PNG bytes of a `data:image/png;base64,…` URL as a canvas' toDataURL() makes it."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("The customer has not signed yet.")})
    # base64 is 4/3 of the bytes: refuse oversize input before decoding it.
    if len(value) > SIGNATURE_MAX_BYTES * 4 // 3 + 100:
        raise ValidationError({field: _("The signature image is larger than %(kb)d KB.") % {"kb": SIGNATURE_MAX_BYTES // 1024}})
    match = _DATA_URL.match(value)
    if not match:
        raise ValidationError({field: _("The signature must be a PNG image (data:image/png;base64,…).")})
    try:
        return base64.b64decode(re.sub(r"\s+", "", match["data"]), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({field: _("The signature is not valid base64.")}) from None


def validate_signature_png(data: bytes, *, field: str = "signature") -> PngInfo:
    """Raise ValidationError (naming `field`) unless `data` is a complete PNG with something drawn."""

    def fail(message: str) -> ValidationError:
        return ValidationError({field: message})

    if len(data) > SIGNATURE_MAX_BYTES:
        raise fail(_("The signature image is larger than %(kb)d KB.") % {"kb": SIGNATURE_MAX_BYTES // 1024})
    if not data.startswith(PNG_MAGIC):
        raise fail(_("The signature is not a PNG image."))
    pos = len(PNG_MAGIC)
    header: tuple[int, int, int, int, int] | None = None
    idat = []
    ended = False
    while pos < len(data):
        if pos + 8 > len(data):
            raise fail(_("The signature PNG is truncated."))
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body_end = pos + 8 + length
        if body_end + 4 > len(data):
            raise fail(_("The signature PNG is truncated."))
        body = data[pos + 8 : body_end]
        (crc,) = struct.unpack(">I", data[body_end : body_end + 4])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise fail(_("The signature PNG is corrupt (checksum mismatch)."))
        if header is None and kind != b"IHDR":
            raise fail(_("The signature PNG has no header."))
        if kind == b"IHDR":
            if header is not None or length != 13:
                raise fail(_("The signature PNG has an invalid header."))
            width, height, depth, colour, _compression, _filter, interlace = struct.unpack(">IIBBBBB", body)
            if colour not in _CHANNELS or depth not in (1, 2, 4, 8, 16):
                raise fail(_("The signature PNG has an invalid header."))
            if interlace:
                raise fail(_("Interlaced PNG images are not accepted as signatures."))
            header = (width, height, depth, colour, interlace)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            ended = True
            pos = body_end + 4
            break
        pos = body_end + 4
    if header is None or not ended:
        raise fail(_("The signature PNG is truncated."))
    if pos != len(data):
        raise fail(_("The signature PNG has data after its end."))
    if not idat:
        raise fail(_("The signature PNG has no image data."))
    width, height, depth, colour, _interlace = header
    min_w, min_h = SIGNATURE_MIN_SIZE
    max_w, max_h = SIGNATURE_MAX_SIZE
    if width < min_w or height < min_h:
        raise fail(_("The signature image is too small (at least %(w)d × %(h)d pixels).") % {"w": min_w, "h": min_h})
    if width > max_w or height > max_h:
        raise fail(_("The signature image is too large (at most %(w)d × %(h)d pixels).") % {"w": max_w, "h": max_h})

    stride = (width * _CHANNELS[colour] * depth + 7) // 8
    expected = height * (1 + stride)
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(b"".join(idat), expected + 1)
    except zlib.error:
        raise fail(_("The signature PNG is corrupt (image data cannot be read).")) from None
    if len(raw) != expected or inflater.unconsumed_tail:
        raise fail(_("The signature PNG is corrupt (image data has the wrong size)."))
    # Every PNG filter predicts from zero-valued neighbours, so a filtered image is all zero bytes
    # (apart from each row's filter-type byte) exactly when every pixel is zero: the untouched,
    # transparent canvas. Anything drawn leaves a non-zero byte.
    drawn = False
    for row in range(height):
        start = row * (1 + stride)
        if raw[start] > 4:
            raise fail(_("The signature PNG is corrupt (unknown row filter)."))
        drawn = drawn or bool(raw[start + 1 : start + 1 + stride].strip(b"\x00"))
    if not drawn:
        raise fail(_("The signature is blank: ask the customer to sign."))
    return PngInfo(width=width, height=height, bytes=len(data))
