"""What every pipeline function needs: the settings and a database engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from mailer.config import Settings
from mailer.store.base import create_db_engine, utcnow

__all__ = ["Context"]


@dataclass
class Context:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @cached_property
    def engine(self) -> Engine:
        return self._engine or create_db_engine(self.settings.database_url)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def now(self) -> datetime:
        """Aware UTC now: the one clock the pipeline passes into the pure core."""
        return utcnow()

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
