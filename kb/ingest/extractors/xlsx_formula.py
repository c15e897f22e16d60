"""Evaluate simple worksheet formulas whose cached value is missing.

Only same-sheet cell references, SUM, PRODUCT and the four arithmetic operators
are supported; anything else evaluates to None and is shown as the formula.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable

from openpyxl.utils.cell import column_index_from_string

Coordinate = tuple[int, int]

_RANGE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)")
_REFERENCE = re.compile(r"\$?\b([A-Z]{1,3})\$?(\d+)\b")
_FUNCTION = re.compile(r"\b(SUM|PRODUCT)\(([^()]*)\)", re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# References deeper than this are treated as unsupported, which also stops cycles.
MAX_DEPTH = 20

_OPERATORS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class FormulaEvaluator:
    """Compute formulas of one sheet from its cached values and formula texts."""

    def __init__(self, values: dict[Coordinate, object], formulas: dict[Coordinate, str],
                 zero_is_placeholder: bool) -> None:
        self._values = values
        self._formulas = formulas
        self._zero_is_placeholder = zero_is_placeholder

    def needs_evaluation(self, cached: object, formula: str) -> bool:
        """Return True when a formula's cached value cannot be trusted.

        A missing cache is never trusted. A cached 0 is not trusted in a workbook
        that was never calculated (no calcChain part): script writers put 0 there.
        """
        if cached is None:
            return True
        has_reference = _REFERENCE.search(formula) is not None
        return self._zero_is_placeholder and has_reference and cached == 0 and not isinstance(cached, bool)

    def evaluate(self, formula: str, depth: int = 0) -> float | None:
        """Return the formula's value, or None when it uses anything unsupported."""
        if depth > MAX_DEPTH:
            return None
        expression = formula.lstrip("=").replace(" ", "")
        if "!" in expression or not expression:
            return None

        while True:
            replaced = _FUNCTION.sub(lambda match: self._function_value(match, depth), expression)
            if replaced == expression:
                break
            expression = replaced
        if "None" in expression:
            return None

        try:
            expression = _REFERENCE.sub(lambda match: self._reference_text(match, depth), expression)
        except _Unsupported:
            return None
        return _arithmetic(expression)

    def _function_value(self, match: re.Match[str], depth: int) -> str:
        numbers: list[float] = []
        for argument in match.group(2).split(","):
            values = self._argument_values(argument, depth)
            if values is None:
                return "None"
            numbers.extend(values)
        result = sum(numbers) if match.group(1).upper() == "SUM" else math.prod(numbers)
        return repr(float(result))

    def _argument_values(self, argument: str, depth: int) -> list[float] | None:
        range_match = _RANGE.fullmatch(argument)
        if range_match:
            first_col, first_row, last_col, last_row = range_match.groups()
            coordinates = [
                (row, col)
                for row in range(int(first_row), int(last_row) + 1)
                for col in range(column_index_from_string(first_col), column_index_from_string(last_col) + 1)
            ]
            values = [self._cell_number(coordinate, depth) for coordinate in coordinates]
            # SUM skips text and empty cells, but one uncomputable formula makes the total unknown.
            if any(value is _UNKNOWN for value in values):
                return None
            return [value for value in values if isinstance(value, float)]
        if _NUMBER.match(argument):
            return [float(argument)]
        reference = _REFERENCE.fullmatch(argument)
        if reference:
            value = self._cell_number(_coordinate(reference), depth)
            return [value] if isinstance(value, float) else ([] if value is None else None)
        return None

    def _reference_text(self, match: re.Match[str], depth: int) -> str:
        value = self._cell_number(_coordinate(match), depth)
        if value is None:
            return "0.0"
        if not isinstance(value, float):
            raise _Unsupported
        return repr(value)

    def _cell_number(self, coordinate: Coordinate, depth: int) -> float | None | object:
        """Return the cell as float, None for an empty or text cell, _UNKNOWN when not computable."""
        cached = self._values.get(coordinate)
        formula = self._formulas.get(coordinate)
        if formula is not None and self.needs_evaluation(cached, formula):
            result = self.evaluate(formula, depth + 1)
            return _UNKNOWN if result is None else result
        if isinstance(cached, bool):
            return _UNKNOWN
        if isinstance(cached, (int, float)):
            return float(cached)
        return None


class _Unsupported(Exception):
    pass


_UNKNOWN = object()


def _coordinate(match: re.Match[str]) -> Coordinate:
    return int(match.group(2)), column_index_from_string(match.group(1))


def _arithmetic(expression: str) -> float | None:
    """Evaluate numbers, + - * / and parentheses, returning None for anything else."""
    try:
        tree = ast.parse(expression, mode="eval")
        return _evaluate_node(tree.body)
    except (SyntaxError, _Unsupported, ZeroDivisionError, OverflowError):
        return None


def _evaluate_node(node: ast.expr) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate_node(node.left), _evaluate_node(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate_node(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    raise _Unsupported
