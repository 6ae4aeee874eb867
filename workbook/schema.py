"""The bureau workbook's sheets and columns (SPEC "Bureau workbook"), with the Chinese names accepted for each."""
from __future__ import annotations

from dataclasses import dataclass

from assets.choices import AssetStatus, CategoryCode, PersonRole, PersonStatus, UnitKind


@dataclass(frozen=True)
class Column:
    key: str            # the English header of SPEC
    zh: str             # the Chinese header written by `qm export --headers zh`
    aliases: tuple[str, ...] = ()   # further Chinese/English headers accepted on import
    required: bool = False          # the cell may not be empty
    # Read on import, never written by `qm export`: SPEC's sheets are a fixed contract; these columns are the
    # finance books' side (the book-value export carries them).
    import_only: bool = False


@dataclass(frozen=True)
class Sheet:
    key: str
    zh: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()

    @property
    def exported(self) -> tuple[Column, ...]:
        """The columns `qm export` writes (SPEC's), in order."""
        return tuple(c for c in self.columns if not c.import_only)

    def header_names(self) -> dict[str, str]:
        """Every accepted header (normalised) -> the column key."""
        names = {}
        for col in self.columns:
            for name in (col.key, col.zh, *col.aliases):
                names[normalise(name)] = col.key
        return names


def normalise(name: object) -> str:
    """Headers and sheet names are matched without case, surrounding blanks, or a trailing required-mark '*'."""
    return str(name or "").strip().rstrip("*").strip().lower().replace(" ", "_")


UNITS = Sheet("units", "单位", (
    Column("code", "代码", ("单位代码", "编码"), required=True),
    Column("name", "名称", ("单位名称",), required=True),
    Column("kind", "类型", ("单位类型", "层级"), required=True),
    Column("parent", "上级单位", ("上级", "上级单位代码")),
    Column("population", "常住人口", ("人口",)),
    Column("depot_lat", "停车场纬度", ("车库纬度",)),
    Column("depot_lon", "停车场经度", ("车库经度",)),
    Column("depot_radius_m", "停车场半径", ("停车场半径（米）", "停车场半径(米)", "车库半径")),
), aliases=("组织机构", "机构"))

PERSONNEL = Sheet("personnel", "人员", (
    Column("staff_no", "工号", ("人员编号", "编号"), required=True),
    Column("name", "姓名", (), required=True),
    Column("unit", "单位", ("所属单位", "单位代码"), required=True),
    Column("role", "人员类别", ("类别", "身份"), required=True),
    Column("frontline", "一线", ("一线执法",)),
    Column("status", "状态", ("在岗状态",)),
    Column("cert_no", "执法证号", ("执法证件号",)),
    Column("cert_expires", "执法证有效期", ("执法证有效期至", "证件有效期")),
    Column("badge_no", "胸号", ()),
), aliases=("人员名册", "people"))

ASSETS = Sheet("assets", "装备", (
    Column("tag", "标签号", ("资产编号", "编号"), required=True),
    Column("category", "类别", ("装备类别",), required=True),
    Column("item", "品名", ("名称",)),
    Column("unit", "单位", ("所属单位", "单位代码"), required=True),
    Column("holder", "持有人", ("持有人工号", "领用人")),
    Column("status", "状态", ()),
    Column("serial", "序列号", ()),
    Column("model", "型号", ("规格型号",)),
    Column("size", "尺码", ("号型",)),
    Column("acquired", "购置日期", ()),
    Column("service_years", "使用年限", ()),
    Column("expires", "有效期至", ("有效期",)),
    # Optional, not in SPEC's list: the acquisition price (原值, yuan) and the finance books' asset card number. A
    # missing column leaves the registered values as they are.
    Column("price", "原值", ("原值（元）", "原值(元)", "购置价格", "购置价格（元）", "价格"), import_only=True),
    Column("finance_card_no", "资产卡片号", ("卡片号", "卡片编号", "资产卡片编号"), import_only=True),
), aliases=("装备台账", "equipment"))

VEHICLES = Sheet("vehicles", "车辆", (
    Column("plate", "车牌号", ("号牌", "车牌"), required=True),
    Column("unit", "单位", ("所属单位", "单位代码"), required=True),
    Column("seats", "座位数", ("座位",), required=True),
    Column("vin", "车架号", ("车辆识别代号",)),
    Column("type", "车辆类型", ("车型",)),
    Column("terminal_id", "定位终端号", ("终端号", "终端")),
    Column("livery", "标识涂装", ("涂装合规", "标识涂装合规")),
    Column("status", "状态", ()),
    Column("acquired", "购置日期", ()),
    Column("insurance_expires", "保险到期", ("保险到期日",)),
    Column("inspection_expires", "年检到期", ("年检到期日",)),
    Column("sealed_from", "封存开始日期", ("封存开始", "封存起始日期")),
    Column("sealed_to", "封存结束日期", ("封存结束", "封存截止日期")),
), aliases=("车辆档案",))

DUTY_SCHEDULES = Sheet("duty_schedules", "值勤时间", (
    Column("unit", "单位", ("单位代码",), required=True),
    Column("weekdays", "星期", ("工作日",), required=True),
    Column("start", "开始", ("开始时间", "上班"), required=True),
    Column("end", "结束", ("结束时间", "下班"), required=True),
), aliases=("值勤", "勤务时间"))

HOLIDAYS = Sheet("holidays", "节假日", (
    Column("date", "日期", (), required=True),
    Column("kind", "类型", (), required=True),
    # Not in SPEC's list: an optional label (元旦, 春节…) the Holiday file keeps; exported so it round-trips.
    Column("name", "名称", ("节日",)),
), aliases=("节假日调休", "调休"))

TRIPS = Sheet("trips", "派车单", (
    Column("plate", "车牌号", ("号牌", "车牌"), required=True),
    Column("start", "开始时间", ("出车时间", "开始"), required=True),
    Column("end", "结束时间", ("返回时间", "结束"), required=True),
    Column("purpose", "事由", ("用车事由",), required=True),
    Column("dest_lat", "目的地纬度", ("纬度",)),
    Column("dest_lon", "目的地经度", ("经度",)),
    Column("approved_by", "批准人", ("审批人",)),
), aliases=("用车", "出车"))

# In import order: every sheet refers only to sheets before it.
SHEETS: tuple[Sheet, ...] = (UNITS, PERSONNEL, ASSETS, VEHICLES, DUTY_SCHEDULES, HOLIDAYS, TRIPS)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}


def sheet_for(name: str) -> Sheet | None:
    wanted = normalise(name)
    for sheet in SHEETS:
        if wanted in {normalise(n) for n in (sheet.key, sheet.zh, *sheet.aliases)}:
            return sheet
    return None


# Values: the SPEC codes, and the Chinese words a bureau's own 台账 uses for them.
YES = {"yes", "y", "true", "1", "是", "√", "✓", "y/是"}
NO = {"no", "n", "false", "0", "否", "×", "", "none"}

UNIT_KINDS = {**{k: k for k in UnitKind.values}, "局": "bureau", "支队": "detachment", "大队": "brigade",
              "中队": "squadron", "内设机构": "office", "科室": "office", "办公室": "office"}
ROLES = {**{k: k for k in PersonRole.values}, "执法人员": "officer", "执法队员": "officer",
         "协管人员": "auxiliary", "协管员": "auxiliary", "辅助人员": "auxiliary"}
PERSON_STATUSES = {**{k: k for k in PersonStatus.values}, "在岗": "active", "调离": "transferred",
                   "退休": "retired", "停职": "suspended"}
ASSET_STATUSES = {**{k: k for k in AssetStatus.values}, "在库": "in_stock", "库存": "in_stock",
                  "已发放": "issued", "在用": "issued", "维修中": "in_repair", "送修": "in_repair",
                  "遗失": "lost", "报废": "retired"}
VEHICLE_STATUSES = {"in_service": "in_service", "in_repair": "in_repair", "retired": "retired",
                    "在用": "in_service", "维修中": "in_repair", "报废": "retired"}
HOLIDAY_KINDS = {"holiday": "holiday", "workday": "workday", "节假日": "holiday", "假日": "holiday",
                 "放假": "holiday", "调休工作日": "workday", "调休": "workday", "上班": "workday",
                 "工作日": "workday"}


def category_codes() -> dict[str, str]:
    """Every accepted spelling of a category (code, 中文 name, English name, lower-cased) -> its SPEC code."""
    from django.utils import translation

    from assets.categories import CATEGORY_EN

    names = {}
    with translation.override(None):  # the Chinese source names, whatever language is active
        for c in CategoryCode:
            for spelling in (c.value, str(c.label), CATEGORY_EN[c.value]):
                names[normalise(spelling)] = c.value
    return names
