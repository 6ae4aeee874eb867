"""Certificates' and work cards' expiry as a ledger projection (renewals are dated events); when an item was
issued to its holder (a projection of its issue event, in the compliance index); the auxiliaries' categories
aux_uniform and aux_card (SPEC "Asset categories")."""
from django.db import migrations, models

AUX_CATEGORIES = (("aux_uniform", "协管人员服装", "Auxiliary staff clothing"),
                  ("aux_card", "协管人员工作证", "Auxiliary staff work card"))


def seed(apps, schema_editor):
    Category = apps.get_model("assets", "Category")
    for code, name, name_en in AUX_CATEGORIES:
        Category.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en,
                                                               "officer_only": False})


def backfill_issued_at(apps, schema_editor):
    """Issued items: the time of their latest issue event."""
    Asset = apps.get_model("assets", "Asset")
    CustodyEvent = apps.get_model("assets", "CustodyEvent")
    last_issue = (CustodyEvent.objects.filter(asset=models.OuterRef("pk"), action="issue")
                  .order_by("-occurred_at", "-id").values("occurred_at")[:1])
    Asset.objects.filter(status="issued").update(issued_at=models.Subquery(last_issue))


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0005_append_only_truncate'),
    ]

    operations = [
        migrations.AddField(
            model_name='asset',
            name='expires',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='有效期至'),
        ),
        migrations.AddField(
            model_name='custodyevent',
            name='expires_after',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='custodyevent',
            name='action',
            field=models.CharField(choices=[('receive', '入库'), ('issue', '发放'), ('return', '归还'), ('transfer', '调拨'), ('report_lost', '报失'), ('repair_out', '送修'), ('repair_in', '修回'), ('retire', '报废'), ('renew', '有效期变更')], max_length=16, verbose_name='动作'),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name='asset', name='asset_unit_category_item'),
        migrations.AddField(
            model_name='asset',
            name='issued_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='发放时间'),
        ),
        migrations.RunPython(backfill_issued_at, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='asset',
            index=models.Index(fields=['unit', 'category', 'item'],
                               include=('status', 'acquired', 'service_years', 'issued_at'),
                               name='asset_unit_category_item'),
        ),
        migrations.AddIndex(
            model_name='asset',
            index=models.Index(fields=['category', 'status', 'holder_person'],
                               include=('expires', 'item', 'unit', 'tag'), name='asset_category_holder'),
        ),
    ]
