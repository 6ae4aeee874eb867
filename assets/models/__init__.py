"""Registry models: organisation, people, categories, assets, the custody ledger, the change log, access."""
from .access import Profile
from .audit import ChangeLoggedModel, ChangeRecord
from .disposal import ApprovalLevel, DisposalApproval, DisposalItem, DisposalPhoto, DisposalRequest, DisposalStatus
from .ledger import CustodyEvent
from .org import OrgUnit, Person, PersonHistory
from .registry import Asset, Category, ItemType

__all__ = [
    "ApprovalLevel", "Asset", "Category", "ChangeLoggedModel", "ChangeRecord", "CustodyEvent", "DisposalApproval",
    "DisposalItem", "DisposalPhoto", "DisposalRequest", "DisposalStatus", "ItemType",
    "OrgUnit", "Person", "PersonHistory", "Profile",
]
