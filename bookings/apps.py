from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from bookings import checks  # noqa: F401  (checks registers system checks)
        from jada import brand_domains

        brand_domains.connect()  # a brand's committed save or delete: a new brands version
