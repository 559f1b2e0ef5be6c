from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from bookings import brand_domains, checks  # noqa: F401  (checks registers system checks)

        brand_domains.connect()
