"""Map layer models: versioned layers and their features (grid cells, venues, jurisdictions, streets, places)."""
from .layers import GridCell, Jurisdiction, LayerFeature, LayerVersion, Place, Street, Venue

__all__ = ["GridCell", "Jurisdiction", "LayerFeature", "LayerVersion", "Place", "Street", "Venue"]
