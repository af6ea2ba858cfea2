"""History, pure: time windows, per-temperature figures and buckets. No I/O, no clock."""
