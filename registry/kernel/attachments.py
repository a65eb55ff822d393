"""Photos and documents: checked by their content (never by their name), size-limited, and
kept in the database so that backup, restore and every app instance see the same files.

Photos are re-encoded on the way in: turned upright, scaled to at most ``PHOTO_LONG_SIDE``
pixels and saved as JPEG without metadata. A phone photo shrinks from ~4 MB to ~0.4 MB, and
its EXIF (which may hold the inspector's home position) is dropped; the inspection records
its own location.
"""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import olefile
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import audit
from registry.kernel.enums import AttachmentOwner, AuditAction, AuditEntity, Role
from registry.kernel.errors import ValidationError
from registry.kernel.models import Attachment, DisasterReport
from registry.kernel.permissions import Action, Actor
from registry.kernel.settings import Settings

PHOTO_EXTENSIONS = {"JPEG": ("jpg", "jpeg"), "PNG": ("png",), "WEBP": ("webp",)}
"""The photo formats accepted (checked by content) and the name endings each comes under."""
PHOTO_FORMATS = frozenset(PHOTO_EXTENSIONS)
PHOTO_UPLOAD_TYPES = tuple(ending for endings in PHOTO_EXTENSIONS.values() for ending in endings)
"""What an upload picker offers for photos: exactly the formats the content check accepts."""
PHOTO_LONG_SIDE = 2048
PHOTO_QUALITY = 85
PHOTO_DECODE_BUDGET_MB = 200
"""Peak memory of one photo's decode, at most: a 200 KB PNG may declare 7000×7000 pixels
and take ~600 MB to decode, so sizes are checked from the header before decoding, and one
decode runs at a time per process (``_DECODE_LOCK``). tests/security/test_uploads.py
measures it."""
PHOTO_DECODE_MAX_PIXELS = 4096 * 4096
"""Largest image decoded at full size (PNG, WebP, progressive JPEG): Pillow keeps 4 bytes
per pixel, so 64 MB, plus one RGB copy of it: ~130 MB peak."""
PHOTO_MAX_PIXELS = 50_000_000
"""Largest baseline JPEG: it is decoded at 1/2, 1/4 or 1/8 scale (draft mode) to at most
``PHOTO_DECODE_MAX_PIXELS``, so a 48 Mpx phone photo costs ~50 MB."""
_DECODE_LOCK = threading.Lock()
MB = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, but also .xls, .msi, ...
VBA_PARTS = frozenset({"macros", "_vba_project_cur", "vba", "_vba_project"})
"""Storages and streams of a VBA project (Word keeps it in ``Macros``), lower case."""
DOCUMENT_TYPES = {  # kind: (content type, extension)
    "pdf": ("application/pdf", ".pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "ofd": ("application/ofd", ".ofd"),  # GB/T 33190, the format of official Chinese documents
    "doc": ("application/msword", ".doc"),
}
DOCUMENT_UPLOAD_TYPES = tuple(extension.lstrip(".") for _, extension in DOCUMENT_TYPES.values())
"""What an upload picker offers for plan documents: exactly the kinds the content check accepts."""


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it."""

    name: str
    data: bytes


@dataclass(frozen=True)
class PreparedFile:
    """A checked file, ready to store."""

    filename: str
    content_type: str
    data: bytes


def _clean_name(name: str, extension: str) -> str:
    stem = PurePath(name or "file").stem.strip()[:120] or "file"
    return stem + extension


def _too_large(upload: Upload, limit_mb: int, field: str) -> None:
    if len(upload.data) > limit_mb * MB:
        size = len(upload.data) / MB
        raise ValidationError(
            "error.file_too_big", field=field, name=upload.name, size=f"{size:.1f}", limit=limit_mb
        )
    if not upload.data:
        raise ValidationError("error.file_empty", field=field, name=upload.name)


def _reduced_decoding(image: Image.Image, field: str, name: str) -> None:
    """Refuse, from the header alone, an image too large to decode within the budget; ask a
    baseline JPEG to decode at the smallest scale that still gives the stored long side."""
    width, height = image.size
    if image.format == "JPEG" and not image.info.get("progressive"):
        _refuse_pixels(width, height, PHOTO_MAX_PIXELS, field, name)
        scale = PHOTO_LONG_SIDE / max(width, height)
        if scale < 1:
            image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
    _refuse_pixels(*image.size, PHOTO_DECODE_MAX_PIXELS, field, name)


def _refuse_pixels(width: int, height: int, limit: int, field: str, name: str) -> None:
    if width * height > limit:
        raise ValidationError(
            "error.photo_pixels",
            field=field,
            name=name,
            width=width,
            height=height,
            pixels=f"{width * height:,}",
            limit=f"{limit:,}",
        )


def _decode_photo(upload: Upload, field: str) -> Image.Image:
    """The photo, upright, in RGB, at most ``PHOTO_LONG_SIDE`` pixels long, decoded within
    ``PHOTO_DECODE_BUDGET_MB``: no full-size copy is made beyond one RGB conversion."""
    with _DECODE_LOCK, Image.open(io.BytesIO(upload.data)) as image:
        if image.format not in PHOTO_FORMATS:
            raise ValidationError(
                "error.photo_format", field=field, name=upload.name, format=image.format
            )
        _reduced_decoding(image, field, upload.name)
        image.load()
        photo: Image.Image = image
        if image.mode != "RGB":
            photo = image.convert("RGB")  # keeps the EXIF
            image.close()  # frees the full-size original before reducing
        photo.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))  # in place
        return ImageOps.exif_transpose(photo)  # a reduced copy that outlives ``image``


def prepare_photo(upload: Upload, settings: Settings, field: str = "photos") -> PreparedFile:
    """Check one photo (JPEG, PNG or WebP by content, within the size limit) and re-encode it."""
    _too_large(upload, settings.photo_max_mb, field)
    try:
        image = _decode_photo(upload, field)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationError("error.photo_unreadable", field=field, name=upload.name) from None
    out = io.BytesIO()
    image.save(out, "JPEG", quality=PHOTO_QUALITY, optimize=True)
    return PreparedFile(_clean_name(upload.name, ".jpg"), "image/jpeg", out.getvalue())


def prepare_photos(
    uploads: Sequence[Upload], settings: Settings, field: str = "photos"
) -> list[PreparedFile]:
    """Check a batch of photos; refuse the whole batch if one is bad or there are too many."""
    if len(uploads) > settings.photos_per_upload:
        raise ValidationError(
            "error.too_many_photos",
            field=field,
            count=len(uploads),
            limit=settings.photos_per_upload,
        )
    return [prepare_photo(upload, settings, field) for upload in uploads]


def _document_kind(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(OLE_MAGIC):
        return "doc"
    if data.startswith(b"PK"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "OFD.xml" in names:
            return "ofd"
    return None


def _ole_problem(data: bytes) -> str | None:
    """Why (a refusal key) an OLE compound file is not a plain Word document: the same
    container holds workbooks, presentations and installers; Word's own has a
    ``WordDocument`` stream."""
    try:
        with olefile.OleFileIO(data) as ole:
            is_word = ole.get_type("WordDocument") == olefile.STGTY_STREAM
            paths = ole.listdir(streams=True, storages=True)
    except Exception:  # olefile raises many kinds of error on a malformed file
        return "error.document_unreadable_doc"
    if not is_word:
        return "error.document_not_word"
    if any(part.lower() in VBA_PARTS for path in paths for part in path):
        return "error.document_macros"
    return None


def _ooxml_has_macros(data: bytes) -> bool:
    """A macro-enabled Word file (.docm) renamed .docx: a VBA project or its content type."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if any(PurePath(name).name.lower() == "vbaproject.bin" for name in archive.namelist()):
            return True
        if "[Content_Types].xml" not in archive.namelist():
            return False
        with archive.open("[Content_Types].xml") as types:
            return b"macroenabled" in types.read(MB).lower()  # at most 1 MB: no zip bomb


def _document_problem(kind: str, data: bytes) -> str | None:
    if kind == "doc":
        return _ole_problem(data)
    if kind == "docx" and _ooxml_has_macros(data):
        return "error.document_docm"
    return None


def prepare_document(upload: Upload, settings: Settings, field: str = "document") -> PreparedFile:
    """Check a plan document: PDF, Word (.docx / .doc) or OFD, by content, within the limit.
    Word documents carrying macros are refused: a plan is read, never run."""
    _too_large(upload, settings.document_max_mb, field)
    kind = _document_kind(upload.data)
    if kind is None:
        raise ValidationError("error.document_type", field=field, name=upload.name)
    problem = _document_problem(kind, upload.data)
    if problem is not None:
        raise ValidationError(problem, field=field, name=upload.name)
    content_type, extension = DOCUMENT_TYPES[kind]
    return PreparedFile(_clean_name(upload.name, extension), content_type, upload.data)


def attach(
    session: Session,
    actor: Actor,
    owner_kind: AttachmentOwner,
    owner_id: int,
    files: Iterable[PreparedFile],
    *,
    locality_id: int | None,
    is_demo: bool = False,
) -> list[Attachment]:
    """Store checked files under their owner. The calling use-case has checked permission."""
    stored = []
    for file in files:
        attachment = Attachment(
            owner_kind=owner_kind,
            owner_id=owner_id,
            filename=file.filename,
            content_type=file.content_type,
            size=len(file.data),
            sha256=hashlib.sha256(file.data).hexdigest(),
            data=file.data,
            uploaded_by=actor.user_id,
            is_demo=is_demo,
        )
        session.add(attachment)
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.ATTACHMENT_ADDED,
            AuditEntity.ATTACHMENT,
            attachment.id,
            locality_id=locality_id,
            after={
                "owner": f"{owner_kind}:{owner_id}",
                "filename": file.filename,
                "size": attachment.size,
                "sha256": attachment.sha256,
            },
        )
        stored.append(attachment)
    return stored


def listing(
    session: Session, owner_kind: AttachmentOwner, owner_ids: Iterable[int]
) -> dict[int, list[dict[str, Any]]]:
    """Attachments per owner, without their bytes."""
    ids = list(owner_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            Attachment.id,
            Attachment.owner_id,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
        )
        .where(Attachment.owner_kind == owner_kind, Attachment.owner_id.in_(ids))
        .order_by(Attachment.id)
    ).all()
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row.owner_id, []).append(
            {
                "id": row.id,
                "filename": row.filename,
                "content_type": row.content_type,
                "size": row.size,
            }
        )
    return out


def contents(session: Session, attachment_ids: Iterable[int]) -> list[PreparedFile]:
    """Several attachments' bytes in the order asked (missing ones left out), in one query."""
    ids = list(attachment_ids)
    rows = session.execute(
        select(Attachment.id, Attachment.filename, Attachment.content_type, Attachment.data).where(
            Attachment.id.in_(ids)
        )
    ).all()
    found = {row.id: PreparedFile(row.filename, row.content_type, row.data) for row in rows}
    return [found[i] for i in ids if i in found]


def content(session: Session, attachment_id: int) -> PreparedFile | None:
    """One attachment's bytes, for display or download."""
    row = session.execute(
        select(Attachment.filename, Attachment.content_type, Attachment.data).where(
            Attachment.id == attachment_id
        )
    ).first()
    return None if row is None else PreparedFile(row.filename, row.content_type, row.data)


def _reads_disaster_photos(session: Session, actor: Actor, report_id: int) -> bool:
    """A town's disaster photos are read by the district office, admin and leaders, and by
    the town officials of that town, not by other towns."""
    if actor.role is Role.LEADER:
        return True
    town = session.scalar(select(DisasterReport.locality_id).where(DisasterReport.id == report_id))
    return town is not None and actor.covers(town)


def readable_content(session: Session, actor: Actor, attachment_id: int) -> PreparedFile | None:
    """One attachment's bytes for a signed-in ``actor``: the one rule of the pages and of
    ``/files``. Every role reads the whole plan register and every rectification with its
    evidence and the inspection's photos, so every actor who may view reads those files; a
    disaster report's photos only those who read the report (``_reads_disaster_photos``);
    who may not view (no sign-in) gets nothing. None for a missing file and a refused one
    alike."""
    if not actor.can(Action.VIEW):
        return None
    owner = session.execute(
        select(Attachment.owner_kind, Attachment.owner_id).where(Attachment.id == attachment_id)
    ).first()
    if owner is None:
        return None
    if owner.owner_kind is AttachmentOwner.DISASTER_REPORT and not _reads_disaster_photos(
        session, actor, owner.owner_id
    ):
        return None
    return content(session, attachment_id)
