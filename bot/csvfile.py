"""CSV files as spreadsheets write and read them, Excel in France first: every file the bot writes goes through here.

Excel reads a CSV as UTF-8 only when it starts with a byte order mark, and splits it on the list separator of the
region, which is `;` wherever the decimal separator is a comma (France). What it saves is the same way round:
`;`-separated, in Windows-1252 unless "CSV UTF-8" was chosen, with CRLF line ends.
"""

import codecs
import csv
import io
from collections.abc import Collection, Iterable, Sequence

BOM = "\ufeff"
DELIMITERS = (",", ";", "\t")
# A cell Excel would take for a formula: a name such as "=HYPERLINK(…)" must stay text, whoever typed it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def delimiter_for(locale: str) -> str:
    """The separator a reader of this language most likely has Excel split on: French regions use `;`."""
    return ";" if locale == "fr" else ","


def cell(value: object) -> str:
    """What a spreadsheet shows as meant: yes/no rather than True/False, nothing for None, text never a formula.

    yes and no are values, like the column names, the same in every language, so files sort and read back alike."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


def write(header: Sequence[str], rows: Iterable[Sequence[object]], delimiter: str = ",") -> str:
    """The whole file as text, BOM first; CRLF line ends, cells quoted only when they hold the separator."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()


def decode(data: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was read in: UTF-8 with or without BOM, UTF-16 (Excel's "Unicode
    text"), else Windows-1252, what Excel in western Europe saves by default."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "UTF-16"  # a file cut short loses its last character
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        # The five bytes Windows-1252 leaves undefined: Latin-1 reads everything, and the rest is the same.
        return data.decode("latin-1"), "ISO-8859-1"


def sniff(text: str, columns: Collection[str]) -> str:
    """The separator that splits the first line into the most known column names.

    Only the header is looked at: it holds no lists, so a `;` inside a cell of the rows cannot fool it."""
    first = next((line for line in text.splitlines() if line.strip()), "")

    def known(delimiter: str) -> int:
        names = next(csv.reader([first], delimiter=delimiter), [])
        return sum(name.strip().lower() in columns for name in names)

    return max(DELIMITERS, key=lambda d: (known(d), first.count(d)))
