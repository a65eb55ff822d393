"""The upload pickers offer exactly the file types the content checks accept: a photo or
document the picker lets through is never refused for its kind, and none it hides would pass."""

import io
import zipfile

import pytest
from PIL import Image

from registry.kernel import attachments
from registry.kernel.attachments import Upload
from registry.kernel.errors import ValidationError
from registry.kernel.settings import Settings

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def image_file(ending: str) -> bytes:
    """A small image in the format Pillow writes for a file name with this ending."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, Image.registered_extensions()[f".{ending}"])
    return out.getvalue()


def zipped(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize("ending", attachments.PHOTO_UPLOAD_TYPES)
def test_every_photo_type_the_picker_offers_is_accepted(ending):
    prepared = attachments.prepare_photo(Upload(f"site.{ending}", image_file(ending)), Settings())
    assert prepared.content_type == "image/jpeg"


@pytest.mark.parametrize("ending", ["gif", "bmp", "tiff"])
def test_photo_types_the_picker_hides_are_refused(ending):
    assert ending not in attachments.PHOTO_UPLOAD_TYPES
    with pytest.raises(ValidationError):
        attachments.prepare_photo(Upload(f"site.{ending}", image_file(ending)), Settings())


@pytest.mark.parametrize(
    "data", [PDF, zipped("word/document.xml"), zipped("OFD.xml")], ids=["pdf", "docx", "ofd"]
)
def test_an_accepted_document_is_stored_under_a_type_the_picker_offers(data):
    prepared = attachments.prepare_document(Upload("预案", data), Settings())
    assert prepared.filename.rsplit(".", 1)[1] in attachments.DOCUMENT_UPLOAD_TYPES


def test_the_document_picker_offers_pdf_word_and_ofd():
    assert sorted(attachments.DOCUMENT_UPLOAD_TYPES) == ["doc", "docx", "ofd", "pdf"]
