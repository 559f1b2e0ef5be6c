from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Marketplace intake"

    def ready(self) -> None:
        from intake import inbound  # noqa: F401  (connects anymail's inbound signal to the e-mail intake)
