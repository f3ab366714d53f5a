"""Reading a register's CSV file into numbered rows: UTF-8 (a BOM is fine), a header naming the columns,
line numbers as an editor shows them (the header is line 1), blank lines skipped."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from eds_toolkit.citizens.importing import RowError

MAX_CSV_BYTES = 50 * 1024 * 1024

Row = tuple[int, dict[str, str]]


def read_csv_file(path: Path, columns: tuple[str, ...], errors: list[RowError]) -> list[Row]:
    """The rows of ``path`` (each with its line number); file problems are added to ``errors``."""
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            errors.append(RowError(0, f"the file is larger than {MAX_CSV_BYTES // 2**20} MB"))
            return []
        text = path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        errors.append(RowError(0, "the file does not exist"))
        return []
    except UnicodeDecodeError as error:
        errors.append(RowError(0, f"the file is not UTF-8 text (byte {error.start})"))
        return []
    return read_csv_text(text, columns, errors)


def read_csv_text(text: str, columns: tuple[str, ...], errors: list[RowError]) -> list[Row]:
    """The rows of CSV ``text``; a header without ``columns``, or a row with more fields than the header,
    is added to ``errors``. Extra columns in the header are allowed and ignored."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error as error:
        errors.append(RowError(1, f"the header cannot be read: {error}"))
        return []
    missing = [name for name in columns if name not in header]
    if missing:
        errors.append(
            RowError(
                1, f"the header must name the columns {','.join(columns)}; missing: {', '.join(missing)}"
            )
        )
        return []
    reader.fieldnames = header
    rows: list[Row] = []
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                errors.append(RowError(line, f"more fields than the {len(header)} columns of the header"))
                continue
            if all(not (value or "").strip() for value in row.values()):
                continue  # a blank line
            rows.append((line, {name: row.get(name) or "" for name in columns}))
    except csv.Error as error:
        errors.append(RowError(reader.line_num, f"the CSV cannot be read here: {error}"))
    return rows
