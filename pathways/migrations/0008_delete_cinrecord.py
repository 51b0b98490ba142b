from django.db import migrations


class Migration(migrations.Migration):
    """The family-level census record is gone: its facts live per child (0007 moved them)."""

    dependencies = [("pathways", "0007_child_records_data")]

    operations = [migrations.DeleteModel(name="CinRecord")]
