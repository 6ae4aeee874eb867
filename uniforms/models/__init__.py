"""Models of the uniforms app: entitlements and sizes, receipts, badges, certificates, seals, departures, stocktakes."""
from .certificates import CertificateLossReport
from .departures import Departure, DepartureItem
from .entitlements import Entitlement, IssueRound, OfficerSize
from .insignia import BadgeNumberRecord
from .receipts import HandoverReceipt
from .seals import SealHandover, SealUsage
from .stocktake import AnnualInventory, AssetPlace, Stocktake, StocktakeScan, StoragePlace

__all__ = [
    "AnnualInventory", "AssetPlace", "BadgeNumberRecord", "CertificateLossReport", "Departure", "DepartureItem", "Entitlement",
    "HandoverReceipt", "IssueRound", "OfficerSize", "SealHandover", "SealUsage", "Stocktake", "StocktakeScan",
    "StoragePlace",
]
