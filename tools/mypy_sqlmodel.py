"""A mypy plugin: a SQLModel table's class attributes are SQL columns.

SQLModel declares `Shift.start_utc: datetime`, which is true of a row (`shift.start_utc`) but not
of the class: `Shift.start_utc` is SQLAlchemy's `InstrumentedAttribute[datetime]`, with `.in_()`,
`.is_()`, `==` giving a SQL expression, and `select(Shift.start_utc)` typed by the column. Without
this, mypy reported about 800 false errors in bpa_provider/services (`"str" has no attribute
"in_"`, `No overload variant of "select"`). With it, the attribute of a *row* keeps its Python
type and the attribute of a table *class* is typed as the column it is. Only classes declared
with `table=True` (directly or inherited) are concerned; methods, properties, ClassVars and
dunder names are left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from mypy.nodes import AssignmentStmt, CallExpr, NameExpr, TypeInfo, Var
from mypy.plugin import AttributeContext, ClassDefContext, Plugin
from mypy.typeops import make_simplified_union
from mypy.types import Instance, NoneType, Type, UnionType, get_proper_type

_SQLMODEL = "sqlmodel.main.SQLModel"
_ATTRIBUTE = "sqlalchemy.orm.attributes.InstrumentedAttribute"


_KEY = "bpa_sqlmodel_table"


def _is_table(info: TypeInfo) -> bool:
    """True when the class (or a base) was declared `class X(SQLModel, table=True)`.

    Read from the mark `_mark_table` left in the class's metadata, because mypy's cache keeps
    metadata but not a class statement's keywords."""
    return any(base.metadata.get(_KEY, {}).get("table") for base in info.mro)


def _primary_keys(info: TypeInfo) -> set[str]:
    """The fields declared `Field(primary_key=True)` in the class or its bases."""
    return {name for base in info.mro for name in base.metadata.get(_KEY, {}).get("pk", [])}


def _mark_table(ctx: ClassDefContext) -> None:
    """Remember `table=True` of a class statement and its `Field(primary_key=True)` names (runs
    during semantic analysis, before the names in the body are resolved: compared by name)."""
    table = ctx.cls.keywords.get("table")
    if not (isinstance(table, NameExpr) and table.name == "True"):
        return
    keys = []
    for stmt in ctx.cls.defs.body:
        if not (
            isinstance(stmt, AssignmentStmt)
            and isinstance(stmt.rvalue, CallExpr)
            and len(stmt.lvalues) == 1
            and isinstance(stmt.lvalues[0], NameExpr)
        ):
            continue
        call = stmt.rvalue
        if isinstance(call.callee, NameExpr) and call.callee.name == "Field":
            for arg_name, arg in zip(call.arg_names, call.args):
                if arg_name == "primary_key" and isinstance(arg, NameExpr) and arg.name == "True":
                    keys.append(stmt.lvalues[0].name)
    ctx.cls.info.metadata[_KEY] = {"table": True, "pk": keys}


class SQLModelColumns(Plugin):
    """Types `Model.field` (on the class) as `InstrumentedAttribute[field type]`."""

    def get_base_class_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        sym = self.lookup_fully_qualified(fullname)
        info = sym.node if sym is not None else None
        if fullname == _SQLMODEL or (isinstance(info, TypeInfo) and info.has_base(_SQLMODEL)):
            return _mark_table
        return None

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        owner, _, name = fullname.rpartition(".")
        if not owner or name.startswith("_"):
            return None
        sym = self.lookup_fully_qualified(owner)
        info = sym.node if sym is not None else None
        if not isinstance(info, TypeInfo) or not _is_table(info):
            return None
        node = info.get(name)
        var = node.node if node is not None else None
        if not isinstance(var, Var) or var.is_classvar or var.is_property:
            return None
        column = self.lookup_fully_qualified(_ATTRIBUTE)
        if column is None or not isinstance(column.node, TypeInfo):
            return None  # SQLAlchemy's ORM is not in the build: keep mypy's own answer
        return partial(_as_column, column.node, name in _primary_keys(info))


def _as_column(column: TypeInfo, primary_key: bool, ctx: AttributeContext) -> Type:
    """`InstrumentedAttribute[T]` for a read of the class attribute (an assignment keeps T).

    A primary key is declared `id: int | None` because a row has no id until it is flushed; the
    column itself never holds NULL, so `select(Shift.id)` gives `int`, not `int | None`."""
    if ctx.is_lvalue:
        return ctx.default_attr_type
    value = ctx.default_attr_type
    proper = get_proper_type(value)
    if primary_key and isinstance(proper, UnionType):
        value = make_simplified_union([t for t in proper.items if not isinstance(get_proper_type(t), NoneType)])
    return Instance(column, [value])


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return SQLModelColumns
