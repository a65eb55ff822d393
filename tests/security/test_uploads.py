"""Uploads (issue 12, items 9 and 11): a photo is decoded within a stated memory budget, and a
``.doc`` must be a real Word document without macros."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from registry.kernel import attachments
from registry.kernel.attachments import Upload
from registry.kernel.errors import ValidationError
from registry.kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

# --- item 9: photos decoded within a memory budget ----------------------------------------

# Runs in a fresh interpreter so that its peak RSS is the decode's alone: the peak after the
# decode minus the peak before it, both after the imports and the file read. The peak is the
# process's VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent at fork, so
# a parent that once held a large image would hide the child's own peak.
MEASURE = """
import json, sys
from pathlib import Path
from registry.kernel.attachments import Upload, prepare_photo
from registry.kernel.errors import ValidationError
from registry.kernel.settings import Settings
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


# --- item 11: a .doc must be a Word document without macros ------------------------------

SECTOR = 512
FREE, END_OF_CHAIN, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def ole_file(tree: dict) -> bytes:
    """A minimal OLE compound file (version 3) holding ``tree``: a name maps to bytes (a
    stream) or to a dict (a storage). olefile only reads, so the tests write their own.
    Streams are padded to 4096 bytes so that they live in ordinary sectors, not the mini
    stream; siblings are chained through their right pointers."""
    entries: list[list] = [["Root Entry", 5, None, b""]]  # name, type, child, data

    def add(children: dict) -> int:
        first = NO_STREAM
        for name, value in reversed(children.items()):
            entries.append([name, 1 if isinstance(value, dict) else 2, None, value, first])
            index = first = len(entries) - 1
            if isinstance(value, dict):
                entries[index][2] = add(value)
        return first

    entries[0][2] = add(tree)
    directory_sectors = (len(entries) + 3) // 4
    body, chains, next_sector = b"", [], 1 + directory_sectors
    starts = {}
    for index, entry in enumerate(entries):
        if entry[1] == 2:
            data = entry[3] = entry[3].ljust(-(-max(len(entry[3]), 4096) // SECTOR) * SECTOR, b"\0")
            starts[index] = next_sector
            chains.append((next_sector, len(data) // SECTOR))
            next_sector += len(data) // SECTOR
            body += data
    fat = [FAT_SECTOR] + [FREE] * 127
    for start, count in [(1, directory_sectors), *chains]:
        for sector in range(start, start + count):
            fat[sector] = sector + 1 if sector < start + count - 1 else END_OF_CHAIN
    directory = b""
    for index, entry in enumerate(entries):
        name = entry[0].encode("utf-16-le") + b"\0\0"
        right = entry[4] if len(entry) > 4 else NO_STREAM
        child = entry[2] if entry[2] is not None else NO_STREAM
        size = len(entry[3]) if entry[1] == 2 else 0
        directory += (
            name.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(name), entry[1], 1, NO_STREAM, right, child)
            + bytes(16 + 4 + 16)  # class id, state bits, creation and modification times
            + struct.pack("<IQ", starts.get(index, END_OF_CHAIN), size)
        )
    directory = directory.ljust(directory_sectors * SECTOR, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH6xIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1)
        + struct.pack("<IIIIII", 0, 4096, END_OF_CHAIN, 0, END_OF_CHAIN, 0)
        + struct.pack("<I", 0)  # the FAT is sector 0
        + struct.pack("<108I", *[FREE] * 108)
    )
    return header + struct.pack("<128I", *fat) + directory + body


WORD = {"WordDocument": b"\xec\xa5" + bytes(30), "1Table": b"\0" * 64, "\x01CompObj": b"\0" * 16}
SUMMARY = {"\x05SummaryInformation": b"\xfe\xff" + bytes(46)}


def test_a_plain_word_document_is_accepted():
    prepared = attachments.prepare_document(Upload("预案.doc", ole_file(WORD)), Settings())
    assert (prepared.filename, prepared.content_type) == ("预案.doc", "application/msword")


@pytest.mark.parametrize(
    ("name", "tree", "message"),
    [
        ("表.doc", {"Workbook": b"\x09\x08" + bytes(30), **SUMMARY}, "not a Word document"),
        ("安装.doc", {"\u4840\u3f7f\u4164": b"\0" * 64, **SUMMARY}, "not a Word document"),
        ("宏.doc", {**WORD, "Macros": {"PROJECT": b"ID=", "VBA": {"dir": b"\0"}}}, "macros"),
        ("宏2.doc", {**WORD, "_VBA_PROJECT_CUR": {"PROJECT": b"ID="}}, "macros"),
    ],
)
def test_an_ole_file_that_is_not_a_plain_word_document_is_refused(name, tree, message):
    with pytest.raises(ValidationError, match=message) as refused:
        attachments.prepare_document(Upload(name, ole_file(tree)), Settings())
    assert refused.value.field == "document"
    assert name in str(refused.value)


def _docx(*, extra: dict[str, str], content_type: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="'
            + content_type
            + '"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document><w:body>预案</w:body></w:document>")
        for path, text in extra.items():
            archive.writestr(path, text)
    return out.getvalue()


DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


@pytest.mark.parametrize(
    "data",
    [
        _docx(extra={"word/vbaProject.bin": "VBA"}, content_type=DOCX_MAIN),
        _docx(extra={}, content_type=DOCM_MAIN),
    ],
    ids=["vba-project", "macro-enabled-content-type"],
)
def test_a_macro_enabled_word_document_is_refused(data):
    with pytest.raises(ValidationError, match="macros"):
        attachments.prepare_document(Upload("预案.docx", data), Settings())
    plain = _docx(extra={}, content_type=DOCX_MAIN)
    assert attachments.prepare_document(Upload("预案.docx", plain), Settings()).data == plain
