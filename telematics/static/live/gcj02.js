/* GCJ-02 for display: WGS-84 data shifted onto GCJ-02 tiles (AMap style) when QM_TILE_CRS=gcj02.
   A port of gis/gcj02.py (the published formula, the exact iterative inverse, China's bounding box);
   tests/web/test_map_gcj02.py checks it against the Python on the same points. Stored data stays WGS-84. */
(function (root) {
  "use strict";
  var A = 6378245.0;
  var EE = 0.00669342162296594323;
  var PI = Math.PI;

  function outsideChina(lon, lat) {
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }

  function offset(lon, lat) {
    var x = lon - 105.0, y = lat - 35.0, xp = x * PI, yp = y * PI;
    var common = (20.0 * Math.sin(6.0 * xp) + 20.0 * Math.sin(2.0 * xp)) * 2.0 / 3.0;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + common
      + (20.0 * Math.sin(yp) + 40.0 * Math.sin(yp / 3.0)) * 2.0 / 3.0
      + (160.0 * Math.sin(yp / 12.0) + 320.0 * Math.sin(yp / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + common
      + (20.0 * Math.sin(xp) + 40.0 * Math.sin(xp / 3.0)) * 2.0 / 3.0
      + (150.0 * Math.sin(xp / 12.0) + 300.0 * Math.sin(xp / 30.0)) * 2.0 / 3.0;
    var rad = lat / 180.0 * PI;
    var magic = 1.0 - EE * Math.sin(rad) * Math.sin(rad);
    var sqrtMagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtMagic) * PI);
    dlon = (dlon * 180.0) / (A / sqrtMagic * Math.cos(rad) * PI);
    return [dlon, dlat];
  }

  function wgs84ToGcj02(lon, lat) {
    if (outsideChina(lon, lat)) return [lon, lat];
    var d = offset(lon, lat);
    return [lon + d[0], lat + d[1]];
  }

  function gcj02ToWgs84(lon, lat) {
    if (outsideChina(lon, lat)) return [lon, lat];
    var wlon = lon, wlat = lat;
    for (var i = 0; i < 30; i++) {
      var d = offset(wlon, wlat);
      var elon = wlon + d[0] - lon, elat = wlat + d[1] - lat;
      wlon -= elon;
      wlat -= elat;
      if (Math.max(Math.abs(elon), Math.abs(elat)) < 1e-9) break;
    }
    return [wlon, wlat];
  }

  root.QMGcj02 = { outsideChina: outsideChina, wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84 };
})(window);
