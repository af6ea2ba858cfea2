"""The file formats: what `gql load` reads and what `gql export` writes. No I/O of their own.

datafile.py  the tutorial's data.json and NDJSON -> readings, validated with positions
export.py    readings -> json, ndjson and csv
"""

from gql.formats.datafile import Format, detect_format, iter_readings, parse_readings
from gql.formats.export import FORMATS, render

__all__ = ["FORMATS", "Format", "detect_format", "iter_readings", "parse_readings", "render"]
