"""The interview content types follow the model here, and with them permissions and history.

Editors' permissions and the admin's log entries point to a content type,
which names the app: relabelling the types of `interview` and
`pendinginterview` from "surveys" to "interviews" keeps every grant and every
line of history. On a fresh database there is nothing to relabel (post_migrate
creates the types afterwards). If a type already exists under the new label
(post_migrate ran between 0001 and this one), the old one is left to
`remove_stale_contenttypes`, as Django leaves one when a rename conflicts.
"""

from django.db import migrations, router

MODELS = ("interview", "pendinginterview")


def relabel(apps, schema_editor, *, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not router.allow_migrate_model(db, ContentType):
        return
    types = ContentType.objects.db_manager(db)
    for model in MODELS:
        if types.filter(app_label=new, model=model).exists():
            continue
        types.filter(app_label=old, model=model).update(app_label=new)
    # get_by_natural_key caches types by label: forget the old ones.
    types.clear_cache()


def to_interviews(apps, schema_editor):
    relabel(apps, schema_editor, old="surveys", new="interviews")


def back_to_surveys(apps, schema_editor):
    relabel(apps, schema_editor, old="interviews", new="surveys")


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(to_interviews, back_to_surveys)]
