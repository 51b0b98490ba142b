"""A contact's due times are its clocks' (Contact.decision_due, Contact.feedback_due): the copies on
the contact go. A contact with no clock of a kind (made before the clock engine) gets one, ended
when the contact was triaged or answered, so no due time is lost."""

from django.db import migrations, models

KINDS = (
    ("contact_decision", "decision_due", "triaged_at"),
    ("feedback_to_referrer", "feedback_due", "feedback_sent_at"),
)


def clocks_for_every_due_time(apps, schema_editor):
    Contact = apps.get_model("referrals", "Contact")
    Clock = apps.get_model("escalation", "Clock")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="referrals", model="contact")
    for kind, due_field, ended_field in KINDS:
        have = Clock.objects.filter(content_type=content_type, kind=kind).values("object_id")
        missing = [
            Clock(
                content_type=content_type,
                object_id=contact.pk,
                kind=kind,
                state="met" if getattr(contact, ended_field) else "running",
                started_at=contact.received_at,
                due_at=getattr(contact, due_field),
                ended_at=getattr(contact, ended_field),
            )
            for contact in Contact.objects.exclude(pk__in=have).iterator()
        ]
        Clock.objects.bulk_create(missing, batch_size=1000)


def due_times_back_from_clocks(apps, schema_editor):
    Contact = apps.get_model("referrals", "Contact")
    Clock = apps.get_model("escalation", "Clock")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="referrals", model="contact").first()
    for contact in Contact.objects.iterator():
        for kind, due_field, _ in KINDS:
            clock = (
                Clock.objects.filter(content_type=content_type, object_id=contact.pk, kind=kind)
                .order_by("-started_at", "-pk")
                .first()
            )
            setattr(contact, due_field, clock.due_at if clock else contact.received_at)
        contact.save(update_fields=[field for _, field, _ in KINDS])


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0005_history_event_base"),
        ("escalation", "0006_history_event_base"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # Nullable first, so that going back re-adds the columns empty and fills them from the clocks.
        migrations.AlterField(
            model_name="contact", name="decision_due", field=models.DateTimeField(null=True)
        ),
        migrations.AlterField(
            model_name="contact", name="feedback_due", field=models.DateTimeField(null=True)
        ),
        migrations.RunPython(migrations.RunPython.noop, due_times_back_from_clocks),
        migrations.RunPython(clocks_for_every_due_time, migrations.RunPython.noop),
        migrations.RemoveField(model_name="contact", name="decision_due"),
        migrations.RemoveField(model_name="contact", name="feedback_due"),
    ]
