"""Hand-built PNG files for the signature tests (no imaging library needed)."""

import struct
import zlib


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_bytes(width: int, height: int, *, drawn: bool = True, colour: int = 6, interlace: int = 0) -> bytes:
    """An RGBA (colour type 6) image, transparent, with a dark diagonal stroke when `drawn`."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    rows = []
    for y in range(height):
        row = bytearray(width * channels)
        if drawn:
            x = min(width - 1, y * width // max(height, 1))
            row[x * channels : (x + 1) * channels] = bytes([20] * (channels - 1) + [255])
        rows.append(b"\x00" + bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, interlace)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + _chunk(b"IEND", b"")
    )
