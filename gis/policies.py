"""Who may touch map layers (assets.access policies, registered when the app is ready): every role reads the whole
map; administrators upload."""
from assets.access import Policy

POLICIES = {
    "gis.LayerVersion": Policy(None, bureau_wide=True),
    "gis.GridCell": Policy(None, bureau_wide=True),
    "gis.Venue": Policy(None, bureau_wide=True),
    "gis.Jurisdiction": Policy(None, bureau_wide=True),
    "gis.Street": Policy(None, bureau_wide=True),
    "gis.Place": Policy(None, bureau_wide=True),
}
