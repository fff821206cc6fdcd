"""Uploaded files that are what they claim: decoded, re-encoded, named and served by the server.

Nothing the browser says is trusted: not the declared Content-Type, not the file name. An image
is decoded with Pillow (its header first, so a decompression bomb is refused before any pixel
is unpacked) and re-encoded, which drops whatever rode along (a script appended to a JPEG,
EXIF with GPS). A PDF is kept as it is, recognised by its magic bytes, and only ever served as
a download. Stored names are ``<uuid>.<extension we chose>``; serving takes the type from that
extension, never from a guess, and adds ``nosniff`` and a sandboxing CSP.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: 40 megapixels: a phone photo is ~12-50 MP; a bomb is hundreds of thousands.
MAX_IMAGE_PIXELS = 40_000_000

# Pillow format → (extension, content type). Only formats we re-encode and a browser shows.
IMAGE_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
PDF = ("pdf", "application/pdf")
#: The type served for each extension the server writes. Anything else is a download of bytes.
STORED_TYPES = {**dict(IMAGE_FORMATS.values()), PDF[0]: PDF[1]}
INLINE_EXTENSIONS = {extension for extension, _ in IMAGE_FORMATS.values()}


class UploadRejected(ValueError):
    """The file is not an acceptable upload; ``message`` says why, in words for the uploader."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class CheckedUpload:
    content: ContentFile
    extension: str
    content_type: str


def checked_image(file: object, *, allow_pdf: bool = False, max_bytes: int = MAX_UPLOAD_BYTES) -> CheckedUpload:
    """The upload decoded and re-encoded as JPEG, PNG or WebP (or, with ``allow_pdf``, a PDF
    kept as is); ``UploadRejected`` for anything else, too big, or with too many pixels."""
    size = getattr(file, "size", None)
    if not size:
        raise UploadRejected("empty", "The file is empty.")
    if size > max_bytes:
        raise UploadRejected("too_big", f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    file.seek(0)
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRejected("too_big", f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    if allow_pdf and data.startswith(b"%PDF-"):
        return CheckedUpload(ContentFile(data, name=f"{uuid.uuid4().hex}.pdf"), *PDF)
    return _reencoded(data, allow_pdf=allow_pdf)


def _reencoded(data: bytes, *, allow_pdf: bool) -> CheckedUpload:
    from PIL import Image, ImageOps, UnidentifiedImageError

    kinds = "a PDF, JPEG, PNG or WebP" if allow_pdf else "a JPEG, PNG or WebP image"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            if image.format not in IMAGE_FORMATS:
                raise UploadRejected("bad_type", f"Upload {kinds}.")
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise UploadRejected("too_many_pixels", _too_many_pixels(width, height))
            image.load()
            extension, content_type = IMAGE_FORMATS[image.format]
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadRejected("too_many_pixels", "The image has too many pixels.") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        if isinstance(error, UploadRejected):
            raise
        raise UploadRejected("bad_type", f"Upload {kinds}; this file is not one.") from error
    return CheckedUpload(
        ContentFile(_encode(image, extension), name=f"{uuid.uuid4().hex}.{extension}"), extension, content_type
    )


def _too_many_pixels(width: int, height: int) -> str:
    return f"The image is {width}×{height} pixels; the limit is {MAX_IMAGE_PIXELS // 1_000_000} megapixels."


def _encode(image: object, extension: str) -> bytes:
    out = io.BytesIO()
    if extension == "jpg":
        image.convert("RGB").save(out, format="JPEG", quality=90)
    elif extension == "png":
        keep = image.mode if image.mode in {"RGB", "RGBA", "L", "LA"} else "RGBA"
        image.convert(keep).save(out, format="PNG")
    else:
        image.convert("RGBA" if "A" in image.getbands() else "RGB").save(out, format="WEBP", quality=90)
    return out.getvalue()


def stored_name(prefix: str, filename: str) -> str:
    """``prefix/<uuid>.<ext>``: the extension of a name the server chose (``CheckedUpload``)."""
    suffix = PurePosixPath(filename).suffix.lower().lstrip(".")
    return f"{prefix}/{uuid.uuid4().hex}.{suffix if suffix in STORED_TYPES else 'bin'}"


def serve_upload(field: FieldFile, *, download_name: str, inline_images: bool = True) -> FileResponse:
    """The stored file as data: its type from the extension we wrote, ``nosniff``, a sandbox
    CSP, inline only for a re-encoded image, a download for everything else."""
    extension = PurePosixPath(field.name).suffix.lower().lstrip(".")
    content_type = STORED_TYPES.get(extension, "application/octet-stream")
    inline = inline_images and extension in INLINE_EXTENSIONS
    try:
        handle = field.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=not inline,
        filename=f"{download_name}.{extension if extension in STORED_TYPES else 'bin'}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, no-store"
    return response
