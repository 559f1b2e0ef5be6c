from django.apps import AppConfig


class GuestpagesConfig(AppConfig):
    name = "guestpages"
    verbose_name = "Guest pages"
