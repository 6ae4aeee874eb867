"""The fixed asset categories of SPEC and their common item types (seeded by migration, editable in admin)."""
from .choices import CategoryCode

CATEGORY_EN = {
    "uniform": "Uniform", "insignia": "Insignia", "certificate": "Enforcement certificate",
    "aux_uniform": "Auxiliary staff clothing", "aux_card": "Auxiliary staff work card", "seal": "Seal",
    "recorder": "Body-worn recorder", "mobile_terminal": "Mobile enforcement terminal", "radio": "Radio",
    "info_system": "Information transmission system", "camera": "Professional camera",
    "storage": "Mass storage device", "protective": "Protective equipment", "office": "Office equipment",
    "vehicle": "Enforcement vehicle",
}

# (category, code, 中文, English, service years)
ITEM_TYPES = [
    ("uniform", "spring_autumn_duty", "春秋执勤服", "Spring/autumn duty uniform", 4),
    ("uniform", "summer_duty", "夏执勤服", "Summer duty uniform", 4),
    ("uniform", "winter_duty", "冬执勤服", "Winter duty uniform", 4),
    ("uniform", "greatcoat", "执勤大衣", "Duty greatcoat", 6),
    ("uniform", "long_sleeve_shirt", "长袖衬衣", "Long-sleeve shirt", 3),
    ("uniform", "short_sleeve_shirt", "短袖衬衣", "Short-sleeve shirt", 3),
    ("uniform", "trousers", "裤子", "Trousers", 2),
    ("uniform", "cap", "帽", "Cap", 4),
    ("uniform", "shoes", "皮鞋", "Leather shoes", 2),
    ("uniform", "belt", "腰带", "Belt", 4),
    ("insignia", "cap_badge", "帽徽", "Cap badge", None),
    ("insignia", "epaulette", "肩章", "Epaulette", None),
    ("insignia", "collar_badge", "领花", "Collar badge", None),
    ("insignia", "armband", "臂章", "Armband", None),
    ("insignia", "chest_badge", "胸徽", "Chest emblem", None),
    ("insignia", "badge_number", "胸号", "Badge number", None),
    ("protective", "duty_belt", "多功能腰带", "Multi-purpose duty belt", None),
    ("protective", "stab_vest", "防刺背心", "Stab-resistant vest", None),
    ("protective", "cut_gloves", "防割手套", "Cut-resistant gloves", None),
    ("protective", "helmet", "钢盔", "Helmet", None),
    ("protective", "canteen", "水壶", "Canteen", None),
    ("protective", "goggles", "防护眼镜", "Protective goggles", None),
    ("protective", "flashlight", "手电筒", "Flashlight", None),
    ("protective", "reflective_vest", "反光背心", "Reflective vest", None),
    ("protective", "barrier", "警示隔离设备", "Warning and barrier equipment", None),
    ("office", "computer", "计算机", "Computer", None),
    ("office", "phone", "电话", "Telephone", None),
    ("office", "fax", "传真机", "Fax machine", None),
    ("office", "printer", "复（打）印机", "Copier/printer", None),
    ("office", "scanner", "扫描仪", "Scanner", None),
]


def categories() -> list[tuple[str, str, str, bool]]:
    """(code, 中文, English, officer only) for every category of SPEC."""
    from .ledger import OFFICER_ONLY_CATEGORIES  # the ledger states who receives what; it needs the models

    return [(c.value, str(c.label), CATEGORY_EN[c.value], c.value in OFFICER_ONLY_CATEGORIES) for c in CategoryCode]
