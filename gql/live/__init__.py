"""Live changes: the hub that fans one change source out to subscribers. Plain asyncio."""
