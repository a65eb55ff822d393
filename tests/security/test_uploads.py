"""Uploads (issue 12, items 9 and 11): a photo is decoded within a stated memory budget, and a
``.doc`` must be a real Word document without macros."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from registry import attachments
from registry.attachments import Upload
from registry.errors import ValidationError
from registry.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

# --- item 9: photos decoded within a memory budget ----------------------------------------

# Runs in a fresh interpreter so that its peak RSS is the decode's alone: the peak after the
# decode minus the peak before it, both after the imports and the file read. The peak is the
# process's VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent at fork, so
# a parent that once held a large image would hide the child's own peak.
MEASURE = """
import json, sys
from pathlib import Path
from registry.attachments import Upload, prepare_photo
from registry.errors import ValidationError
from registry.settings import Settings
def peak_kb():
    status = Path("/proc/self/status").read_text().splitlines()
    return int(next(line for line in status if line.startswith("VmHWM:")).split()[1])
path = Path(sys.argv[1])
upload = Upload(path.name, path.read_bytes())
before = peak_kb()
try:
    prepare_photo(upload, Settings())
    outcome = "accepted"
except ValidationError as refused:
    outcome = "refused: " + str(refused)
print(json.dumps({"outcome": outcome, "peak_mb": (peak_kb() - before) / 1024}))
"""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int) -> bytes:
    """A one-colour RGBA PNG of any size, written row by row (a few hundred KB for 49 Mpx),
    without ever holding its pixels."""
    row = b"\x00" + b"\x80\x40\x20\xff" * width  # filter byte, then the pixels
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def big_jpeg(width: int, height: int, *, progressive: bool = False) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 150, 90)).save(
        out, "JPEG", quality=80, progressive=progressive
    )
    return out.getvalue()


def decode_in_fresh_process(path: Path) -> dict:
    if not Path("/proc/self/status").exists():
        pytest.skip("measuring a process's peak memory needs Linux's /proc")
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def large_images(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("large-images")
    images = {
        "bomb.png": png_bomb(7000, 7000),  # 49 Mpx: passed the old 50 Mpx limit
        "largest.png": png_bomb(4096, 4096),  # the largest PNG still accepted
        "phone.jpg": big_jpeg(6000, 8000),  # a 48 Mpx phone camera photo
    }
    for name, data in images.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in images}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bomb.png", "refused: photos: bomb.png is 7000×7000 pixels"),
        ("largest.png", "accepted"),
        ("phone.jpg", "accepted"),
    ],
)
def test_a_photo_is_decoded_within_the_memory_budget_or_refused_before_decoding(
    large_images, name, expected
):
    measured = decode_in_fresh_process(large_images[name])
    assert measured["outcome"].startswith(expected)
    assert measured["peak_mb"] <= attachments.PHOTO_DECODE_BUDGET_MB, measured


def test_a_large_progressive_jpeg_is_refused_before_decoding():
    """A progressive JPEG keeps every DCT coefficient of the full image while it decodes, so
    reduced decoding does not help: it gets the pixel limit of PNG."""
    upload = Upload("scan.jpg", big_jpeg(5000, 4000, progressive=True))
    with pytest.raises(ValidationError, match=r"scan\.jpg is 5000×4000 pixels") as refused:
        attachments.prepare_photo(upload, Settings())
    assert refused.value.field == "photos"


def test_a_large_jpeg_is_reduced_while_decoding_and_turned_upright():
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was held upright, the sensor is landscape
    Image.new("RGB", (4800, 3600), (10, 120, 200)).save(out, "JPEG", exif=exif)
    prepared = attachments.prepare_photo(Upload("upright.jpg", out.getvalue()), Settings())
    with Image.open(io.BytesIO(prepared.data)) as stored:
        assert stored.size == (1536, attachments.PHOTO_LONG_SIDE)  # portrait, long side 2048
        assert not stored.getexif()  # no metadata kept
