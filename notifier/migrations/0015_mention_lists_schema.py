# The copies go, after 0014 moved them (in a transaction of its own: PostgreSQL does not
# alter a table with foreign-key checks still pending on it).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifier', '0014_mention_lists'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='delivery',
            name='mention_ids',
        ),
    ]
