"""Seeding the store with the shipped reference data.

- `seeder`: `seed` (the whole load, one transaction) and `Seeder`, with the steps for
  data/reference/*.csv and data/splits.csv
- `record_lists`: the batched load of the World Athletics lists in data/records/
- `base`: what every step shares (CSV rows, seed_log keys, marks and places as written)
"""

from bot.store.seed.base import SeedError, SeedReport, official_mark, split_location
from bot.store.seed.record_lists import RECORD_LIST_FILES
from bot.store.seed.seeder import REFERENCE_FILES, Seeder, seed

__all__ = [
    "RECORD_LIST_FILES",
    "REFERENCE_FILES",
    "SeedError",
    "SeedReport",
    "Seeder",
    "official_mark",
    "seed",
    "split_location",
]
