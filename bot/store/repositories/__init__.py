"""Repositories: the only place with SQL. They take and return domain objects.

Reads go through `Database.reader`. The busiest answers (profiles, head-to-heads' bests,
top lists) run as one plain function over the connection (`run_on`): on SQLite on the event
loop within a budget, else on the reader's thread (`bot.store.reading`); on PostgreSQL on
a reader thread, in one hop per answer. Only the rows the answer shows become objects.
Writes take the connection of an open `Database.transaction()`.

- `athletes`: AthleteRepository
- `results`: ResultRepository (writes, an athlete's results, profiles, meetings)
- `toplists`: its top lists and split lists
- `profile_reads`: what its profiles and head-to-heads read, each store its fastest way
- `records`: RecordRepository (record entries and their change log)
- `common`: column lists, row readers, and `legal_sql`, the SQL of the list rule
"""

from bot.store.repositories.athletes import AthleteRepository
from bot.store.repositories.common import athlete_from_row, legal_sql
from bot.store.repositories.records import RecordRepository
from bot.store.repositories.results import ResultRepository

__all__ = [
    "AthleteRepository",
    "RecordRepository",
    "ResultRepository",
    "athlete_from_row",
    "legal_sql",
]
