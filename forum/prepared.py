"""Statements that run for every batch of live document updates, compiled once per database and run
on the DB-API cursor of the session's connection, inside the session's transaction.

SQLAlchemy spends about 100 microseconds building, keying and executing a statement and wrapping its
result; the driver itself about 2 (bench/results.md). Group commit runs four or five statements per
batch, many times a second, so these few fixed statements skip that layer. They are still written
as SQLAlchemy statements (so the SQL, the parameter style and each column's conversions - enums,
moments, JSON - come from the models, for SQLite and PostgreSQL alike); only their execution is
direct. Everything else in the project uses the session as usual.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from forum.extensions import db

_CURSOR = "prepared_cursor"  # Session.info key: (dialect, DB-API cursor) of the session's transaction


@event.listens_for(Session, "after_transaction_end")
def _forget_cursor(session: Session, _transaction) -> None:
    session.info.pop(_CURSOR, None)  # the next transaction may run on another connection


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # positional parameter styles: the parameter names in order
    binds: dict[str, Callable[[Any], Any]]  # a parameter's conversion to what the driver takes
    results: list[Callable[[Any], Any] | None]  # a result column's conversion from what it returns


class Prepared:
    """One fixed statement (its parameters named by bindparam or, for an insert, by column key)."""

    def __init__(self, statement: Executable, column_keys: Iterable[str] | None = None):
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: dict[tuple[str, str, str], _Compiled] = {}  # by database kind and driver

    def execute_many(self, rows: list[Mapping[str, Any]]) -> None:
        """Run once per set of parameters (an insert of many rows) in the session's transaction."""
        if rows:
            compiled, cursor = self._prepare()
            cursor.executemany(compiled.sql, [self._parameters(compiled, row) for row in rows])

    def rowcount(self, params: Mapping[str, Any]) -> int:
        """Run an update or delete in the session's transaction; how many rows it matched."""
        return self._run(params)[1].rowcount

    def first(self, params: Mapping[str, Any]) -> tuple | None:
        """Run a select or an insert with RETURNING in the session's transaction; its first row,
        converted, or None."""
        compiled, cursor = self._run(params)
        row = cursor.fetchone()
        if row is None:
            return None
        return tuple(
            convert(value) if convert is not None else value
            for convert, value in zip(compiled.results, row, strict=True)
        )

    def _run(self, params: Mapping[str, Any]) -> tuple[_Compiled, Any]:
        compiled, cursor = self._prepare()
        cursor.execute(compiled.sql, self._parameters(compiled, params))
        return compiled, cursor

    def _prepare(self) -> tuple[_Compiled, Any]:
        session = db.session()
        found = session.info.get(_CURSOR)
        if found is None:  # once per transaction (asking the session for its connection costs)
            connection = session.connection()  # begins the session's transaction if none is open
            found = session.info[_CURSOR] = (connection.dialect, connection.connection.cursor())
        dialect, cursor = found
        kind = (dialect.name, dialect.driver, dialect.paramstyle)  # not id(): engines come and go
        compiled = self._compiled.get(kind)
        if compiled is None:
            compiled = self._compiled[kind] = self._compile(dialect)
        return compiled, cursor

    def _compile(self, dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
        binds = {}
        for name, bind in compiled.binds.items():
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                binds[name] = convert
        results = [  # a select's columns, or what an insert returns
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in self.statement.exported_columns
        ]
        names = tuple(compiled.positiontup) if compiled.positional else None
        return _Compiled(str(compiled), names, binds, results)

    @staticmethod
    def _parameters(compiled: _Compiled, params: Mapping[str, Any]):
        converted = {
            name: compiled.binds[name](value) if name in compiled.binds else value
            for name, value in params.items()
        }
        if compiled.names is None:
            return converted
        return tuple(converted[name] for name in compiled.names)
