"""Registry models: organisation, people, categories, assets, the custody ledger, the change log, access."""
from .access import Profile
from .audit import ChangeLoggedModel, ChangeRecord
from .ledger import CustodyEvent
from .org import OrgUnit, Person, PersonHistory
from .registry import Asset, Category, ItemType

__all__ = [
    "Asset", "Category", "ChangeLoggedModel", "ChangeRecord", "CustodyEvent", "ItemType",
    "OrgUnit", "Person", "PersonHistory", "Profile",
]
