"""Geohash cells: the spatial index of located statuses on both databases.

A geohash names a cell of a fixed lat/lon grid; each added character splits
a cell into 32. Every located public status gets one row per precision in
``CELL_PRECISIONS`` (``status_cells``, primary key ``(cell, status_id)``),
so a query reads the newest ids of a handful of cells that cover the search
circle, each a backward range on the primary key.
"""

from __future__ import annotations

import math

CELL_PRECISIONS = (2, 3, 4, 5, 6)
MAX_CELLS = 12
EARTH_RADIUS_KM = 6371.0088
_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"


def encode(lat: float, lon: float, precision: int) -> str:
    """The geohash of a point (latitude -90..90, longitude -180..180)."""
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    chars: list[str] = []
    bits = value = 0
    even = True
    while len(chars) < precision:
        if even:
            mid = (lon_lo + lon_hi) / 2
            high = lon >= mid
            lon_lo, lon_hi = (mid, lon_hi) if high else (lon_lo, mid)
        else:
            mid = (lat_lo + lat_hi) / 2
            high = lat >= mid
            lat_lo, lat_hi = (mid, lat_hi) if high else (lat_lo, mid)
        value = value * 2 + int(high)
        even = not even
        bits += 1
        if bits == 5:
            chars.append(_BASE32[value])
            bits = value = 0
    return "".join(chars)


def cell_size(precision: int) -> tuple[float, float]:
    """(height, width) of a cell in degrees."""
    lon_bits = (5 * precision + 1) // 2
    lat_bits = 5 * precision // 2
    return 180.0 / (1 << lat_bits), 360.0 / (1 << lon_bits)


def cells_of(lat: float, lon: float) -> list[str]:
    """The cells a status at this point is stored under, one per precision."""
    full = encode(lat, lon, max(CELL_PRECISIONS))
    return [full[:p] for p in CELL_PRECISIONS]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    lat_lo, lat_hi = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(lat_lo), abs(lat_hi))
    if widest >= 89.9:
        return lat_lo, lat_hi, -180.0, 180.0
    dlon = math.degrees(radius_km / (EARTH_RADIUS_KM * math.cos(math.radians(widest))))
    if dlon >= 180:
        return lat_lo, lat_hi, -180.0, 180.0
    return lat_lo, lat_hi, lon - dlon, lon + dlon


def _cells_in_box(box: tuple[float, float, float, float], precision: int) -> set[str]:
    lat_lo, lat_hi, lon_lo, lon_hi = box
    height, width = cell_size(precision)
    found: set[str] = set()
    # Walk cell centres across the box; longitudes past +-180 wrap around.
    row = math.floor((lat_lo + 90) / height)
    while row * height - 90 <= lat_hi and row * height < 180:
        col = math.floor((lon_lo + 180) / width)
        while col * width - 180 <= lon_hi:
            c_lat = row * height - 90 + height / 2
            c_lon = (col * width + width / 2) % 360 - 180
            found.add(encode(c_lat, c_lon, precision))
            if len(found) > MAX_CELLS:
                return found
            col += 1
        row += 1
    return found


def covering_cells(lat: float, lon: float, radius_km: float) -> list[str]:
    """A few stored cells that together cover the circle: the finest
    precision at which at most ``MAX_CELLS`` cells touch its bounding box."""
    box = _bounding_box(lat, lon, radius_km)
    best = sorted(_cells_in_box(box, CELL_PRECISIONS[0]))
    for precision in CELL_PRECISIONS[1:]:
        cells = _cells_in_box(box, precision)
        if len(cells) > MAX_CELLS:
            break
        best = sorted(cells)
    return best
