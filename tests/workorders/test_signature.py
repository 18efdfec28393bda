"""The customer's signature: a real, complete, drawn PNG within the size limits, only at pick-up."""

import base64
import zlib

import pytest
from django.core.exceptions import ValidationError

from tests.workorders.factories import WorkOrderFactory
from tests.workorders.pngs import _chunk, png_bytes
from workorders import services
from workorders.choices import WorkOrderStatus
from workorders.services.signature import SIGNATURE_MAX_BYTES, decode_data_url, validate_signature_png


def test_a_drawn_png_is_accepted():
    info = validate_signature_png(png_bytes(600, 200))
    assert (info.width, info.height) == (600, 200)


def _corrupt_crc(data: bytes) -> bytes:
    return data[:-5] + bytes([data[-5] ^ 0xFF]) + data[-4:]


def _huge_idat() -> bytes:
    # 2000 × 1000 RGBA of zeros compresses tiny but is "drawn" nowhere: blank, not a bomb
    return png_bytes(2000, 1000, drawn=False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\x00" * 100, "not a PNG"),
        (png_bytes(300, 100)[:-20], "truncated"),
        (_corrupt_crc(png_bytes(300, 100)), "checksum"),
        (png_bytes(300, 100, drawn=False), "blank"),
        (png_bytes(50, 20), "too small"),
        (png_bytes(3000, 100), "too large"),
        (png_bytes(300, 100, interlace=1), "Interlaced"),
        (png_bytes(300, 100) + b"junk", "after its end"),
        (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", b"\x00" * 13) + _chunk(b"IEND", b""), "header"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (SIGNATURE_MAX_BYTES + 1), "larger than"),
        (_huge_idat(), "blank"),
    ],
)
def test_bad_signatures_are_refused_with_a_reason(data, message):
    with pytest.raises(ValidationError) as refused:
        validate_signature_png(data)
    assert message in refused.value.message_dict["signature"][0]


def test_image_data_of_the_wrong_size_is_refused():
    good = png_bytes(300, 100)
    idat_start = good.index(b"IDAT") - 4
    iend_start = good.index(b"IEND") - 4
    short = zlib.compress(b"\x00" * 10)
    bad = good[:idat_start] + _chunk(b"IDAT", short) + good[iend_start:]
    with pytest.raises(ValidationError, match="wrong size"):
        validate_signature_png(bad)


def test_data_url_decoding():
    png = png_bytes(300, 100)
    assert decode_data_url("data:image/png;base64," + base64.b64encode(png).decode()) == png
    for bad in ["", "data:image/jpeg;base64,AAAA", "data:image/png;base64,@@@", "x" * (SIGNATURE_MAX_BYTES * 2)]:
        with pytest.raises(ValidationError) as refused:
            decode_data_url(bad)
        assert "signature" in refused.value.message_dict


def test_signing_only_at_pick_up(dealer, advisor, signature_png):
    work_order = WorkOrderFactory(dealer=dealer, status=WorkOrderStatus.IN_PROGRESS)
    with pytest.raises(ValidationError) as refused:
        services.workorder_sign(work_order=work_order, by=advisor, signature_png=signature_png)
    assert "signature" in refused.value.message_dict


def test_signature_is_stored_with_its_time(dealer, advisor, signature_png):
    work_order = WorkOrderFactory(dealer=dealer, status=WorkOrderStatus.READY)
    signed = services.workorder_sign(work_order=work_order, by=advisor, signature_png=signature_png)
    assert signed.signed_at is not None
    with signed.signature.open("rb") as stored:
        assert stored.read() == signature_png
