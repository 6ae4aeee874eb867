"""Seeds the uniform entitlements: quantities and service years of 建督〔2017〕31号 第十五条 (南温区) where it says them."""
from django.db import migrations

SOURCE = "建督〔2017〕31号 第十五条"
LOCAL = "本地设定（可修改）"
# item type code: (quantity, service years or None = the item type's own, season, source)
DEFAULTS = {
    "spring_autumn_duty": (2, 4, "spring_autumn", SOURCE),
    "winter_duty": (1, 4, "winter", SOURCE),
    "summer_duty": (1, 4, "summer", LOCAL),
    "greatcoat": (1, None, "winter", LOCAL),
    "long_sleeve_shirt": (2, 3, "spring_autumn", SOURCE),
    "short_sleeve_shirt": (3, 3, "summer", SOURCE),
    "trousers": (2, 2, "all", SOURCE),
    "cap": (1, 4, "all", SOURCE),
    "shoes": (1, None, "all", LOCAL),
    "belt": (1, None, "all", LOCAL),
}


def seed(apps, schema_editor):
    ItemType = apps.get_model("assets", "ItemType")
    Entitlement = apps.get_model("uniforms", "Entitlement")
    for item_type in ItemType.objects.filter(category_id="uniform"):
        quantity, years, season, source = DEFAULTS.get(item_type.code, (1, None, "all", LOCAL))
        years = years or item_type.service_years or 4
        Entitlement.objects.get_or_create(item_type=item_type, defaults={
            "quantity": quantity, "service_years": years, "season": season, "source": source})


class Migration(migrations.Migration):
    dependencies = [("uniforms", "0001_initial"), ("assets", "0002_seed_and_append_only")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
