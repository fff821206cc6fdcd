from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("clients", "0004_clearances_expire")]

    operations = [
        migrations.AlterField(model_name="doctorclearance", name="expires_on", field=models.DateField()),
    ]
