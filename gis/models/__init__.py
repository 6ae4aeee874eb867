"""Map layer models: versioned layers and their features (grid cells, venues, jurisdictions, streets)."""
from .layers import GridCell, Jurisdiction, LayerFeature, LayerVersion, Street, Venue

__all__ = ["GridCell", "Jurisdiction", "LayerFeature", "LayerVersion", "Street", "Venue"]
