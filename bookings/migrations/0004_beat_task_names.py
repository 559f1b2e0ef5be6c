"""The beat jobs were renamed (bookings.tasks.redrive_beat / drift_beat): drop the old schedule rows,
which django-celery-beat would otherwise keep sending to task names that no longer exist."""

from django.db import migrations

OLD = ["bookings.tasks.targets_redrive", "bookings.tasks.drift_report"]


def forwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__in=OLD).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_target_fingerprints"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
