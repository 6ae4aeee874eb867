"""`qm gis import --layer {grid,venues,jurisdictions} FILE [--crs gcj02]` and `qm gis sample`."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from quartermaster.errors import DomainError

from ... import services
from ...choices import IMPORTABLE_LAYERS


class Command(BaseCommand):
    help = "Map layers: import a layer file, or generate (and load) the sample city."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        imp = actions.add_parser("import", help="import a GeoJSON, GeoPackage or Shapefile layer")
        imp.add_argument("--layer", required=True, choices=[str(layer) for layer in IMPORTABLE_LAYERS])
        imp.add_argument("file")
        imp.add_argument("--crs", choices=["gcj02", "wgs84"], default=None,
                         help="gcj02: the coordinates come from a Chinese web map (GCJ-02) and are converted")
        sample = actions.add_parser("sample", help="the deterministic sample city (Changzhou)")
        sample.add_argument("--output",
                            help="folder to write grid/venues/jurisdictions/streets .geojson into")
        sample.add_argument("--load", action="store_true", help="import the sample layers into the database")
        sample.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        try:
            if options["action"] == "import":
                self._import(options)
            else:
                self._sample(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _report(self, version, checked) -> None:
        self.stdout.write(gettext("%(layer)s：第 %(version)s 版已启用，%(features)s 个要素（修复 %(repaired)s 个），"
                                  "坐标系 %(crs)s")
                          % {"layer": version.layer, "version": version.version,
                             "features": version.feature_count, "repaired": checked.repaired, "crs": checked.crs})
        for warning in checked.warnings:
            self.stderr.write(gettext("警告：%(text)s") % {"text": warning})

    def _import(self, options) -> None:
        version, checked = services.layer_import(layer=options["layer"], path=options["file"],
                                                 crs=options["crs"])
        self._report(version, checked)

    def _sample(self, options) -> None:
        from ...sample import build_city, write_city

        if not options["output"] and not options["load"]:
            raise CommandError(gettext("请给出 --output DIR、--load 或两者"))
        city = build_city(seed=options["seed"])
        if options["output"]:
            try:
                written = write_city(city, Path(options["output"]))
            except OSError as exc:
                raise CommandError(gettext("无法写入 %(path)s：%(reason)s")
                                   % {"path": exc.filename or options["output"], "reason": exc.strerror or exc}) from None
            for path in written:
                self.stdout.write(gettext("已写入 %(path)s") % {"path": path})
        if options["load"]:
            for version, checked in services.sample_city_load(city=city):
                self._report(version, checked)
