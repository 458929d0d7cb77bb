"""LC-R: parse, print and check the glyph notation of HLX values.

    >>> from lcr import parse, dumps
    >>> dumps(parse('🜊1000🜁0  "read"🜁1 "config.yaml" 🜂'))
    '🜊1000🜁0 "read"🜁1 "config.yaml"🜂'

``parse`` raises ``LCRError`` (code, line, column, caret) for anything that is not LC-R.
"""

from lcr.errors import LCRError
from lcr.parser import parse
from lcr.printer import dumps, pretty
from lcr.values import (
    FALSE,
    NULL,
    TRUE,
    Array,
    Bool,
    Bytes,
    Contract,
    Float,
    Handle,
    Int,
    Null,
    Object,
    Text,
    Value,
    op,
)

__all__ = [
    "FALSE", "NULL", "TRUE", "Array", "Bool", "Bytes", "Contract", "Float", "Handle", "Int",
    "LCRError", "Null", "Object", "Text", "Value", "dumps", "op", "parse", "pretty",
]
