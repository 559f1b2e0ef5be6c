from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JadaConfig(AppConfig):
    name = "jada"
    verbose_name = "JADA Ops"

    def ready(self) -> None:
        from jada import (
            checks,  # noqa: F401  (registers system checks)
            mfa,  # noqa: F401  (connects enrolment to the session's second factor)
        )
        from jada.office import dispatcher_group_ensure, office_group_ensure

        # Permissions only exist after migrate; keep the Office group in step with them.
        post_migrate.connect(office_group_ensure, dispatch_uid="jada.office_group_ensure")
        post_migrate.connect(dispatcher_group_ensure, dispatch_uid="jada.dispatcher_group_ensure")
