from django.apps import AppConfig


class CmbenchConfig(AppConfig):
    """The project's own wiring as an app, so that its system checks are registered."""

    name = "cmbench"
    verbose_name = "cmbench"

    def ready(self) -> None:
        from cmbench import checks  # noqa: F401
