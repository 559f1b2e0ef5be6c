"""Guest pages and guest photos: what was published for a charter, and what guests uploaded."""

from __future__ import annotations

from django.db import models

from jada.models import SyncedMirror, out_of_date_index


class GuestPage(SyncedMirror):
    """The charter's published guest page: one object in its brand's bucket.

    The rule it keeps: the object key comes from the brand's key template and never changes for a
    charter, so re-publishing overwrites in place and the CloudFront Function always finds it.
    ``published_version`` counts publishes and names the CDN invalidation, so a retry is harmless.
    """

    charter = models.OneToOneField("bookings.Charter", on_delete=models.CASCADE, related_name="guest_page")
    object_key = models.CharField(max_length=300, blank=True)
    bucket = models.CharField(max_length=63, blank=True, help_text="The bucket it was last written to.")
    public_url = models.URLField(blank=True)
    published_version = models.PositiveIntegerField(default=0)
    withdrawn = models.BooleanField(default=False)
    etag = models.CharField(
        max_length=80,
        blank=True,
        help_text="The ETag S3 returned for our last write of the page (empty: unknown, e.g. written before it was kept).",
    )

    class Meta:
        indexes = [out_of_date_index("guest_page_out_of_date")]

    def __str__(self) -> str:
        return f"Guest page for {self.charter.code}"


class GuestPhoto(SyncedMirror):
    """A photo a guest uploaded to the charter's brand bucket under ``guest-photos/<code>/``."""

    charter = models.ForeignKey("bookings.Charter", on_delete=models.CASCADE, related_name="guest_photos")
    object_key = models.CharField(max_length=300, unique=True)
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    hidden = models.BooleanField(default=False, help_text="Hidden photos are kept but not shown.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.object_key


# The guest-message ledger lives in its own module; imported here so Django registers it.
from guestpages.message_models import (  # noqa: E402
    GuestDeliveryEvent,
    GuestMessage,
    GuestMessageKind,
    GuestMessageState,
    GuestMessageTemplate,
    GuestSuppression,
)

__all__ = [
    "GuestDeliveryEvent",
    "GuestMessage",
    "GuestMessageKind",
    "GuestMessageState",
    "GuestMessageTemplate",
    "GuestPage",
    "GuestPhoto",
    "GuestSuppression",
]
