from django.apps import AppConfig


class GuestpagesConfig(AppConfig):
    name = "guestpages"
    verbose_name = "Guest pages"

    def ready(self) -> None:
        # The one integration point django-anymail offers for delivery events; the receiver is a
        # thin call into guestpages.message_delivery.
        from anymail.signals import tracking

        from guestpages.message_delivery import anymail_tracking_received

        tracking.connect(anymail_tracking_received, dispatch_uid="guestpages.guest_delivery_events")
