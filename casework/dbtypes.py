"""Column types shared by the models."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Integer
from sqlalchemy.types import TypeDecorator

# integer primary key that is BIGINT on PostgreSQL and the rowid alias on SQLite
BigID = BigInteger().with_variant(Integer(), "sqlite")


class ScaledDecimal(TypeDecorator):
    """An exact decimal stored as an integer (value × 10^scale): exact on SQLite and PostgreSQL alike."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int = 2):
        super().__init__()
        self.scale = scale
        self.factor = Decimal(10) ** scale

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value) * self.factor
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimals")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / self.factor).quantize(Decimal(1).scaleb(-self.scale))
