"""Error text of the query libraries, as sentences a user of a workflow document can act on.

``elementpath``, ``jsonpath-rfc9535`` and ``python-jsonpath`` put Python's own wording in some
of their messages: class names (``<class 'int'>``, ``Date10(2020, 1, 1)``), object reprs
(``<XPathFunction ... at 0x7f...>``) and the text of Python exceptions
(``could not convert string to float: 'x'``).  :func:`plain_text` rewrites the forms known
to occur into the XPath/JSON vocabulary (``xs:integer``, ``'x' is not a number``) and returns
None when Python wording is still left, so that the caller uses a sentence of its own instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["PYTHON_WORDING", "leaks_python", "plain_text", "type_word"]

# Python's own wording, which a user of a workflow document should not see.
PYTHON_WORDING = re.compile(
    r"not supported between instances|object has no attribute|object is not|unsupported operand|"
    r"<class '|NoneType|takes \d+ positional|argument must be|invalid literal for|could not convert|"
    r"unhashable type|object of type|Traceback|Error\(|\w+Error:|object at 0x|\bat 0x[0-9a-f]+|"
    r"\bexpected .*, got\b"
)

# Python type names as the XPath/JSON types a user knows.
_PYTHON_TYPES = {
    "int": "xs:integer",
    "bool": "xs:boolean",
    "float": "xs:double",
    "str": "xs:string",
    "Decimal": "xs:decimal",
    "decimal.Decimal": "xs:decimal",
    "NoneType": "an empty sequence",
    "list": "a sequence",
    "tuple": "a sequence",
    "dict": "an object",
    "XPathMap": "a map",
    "XPathArray": "an array",
    "XPathFunction": "a function",
    "ElementNode": "an element",
    "DocumentNode": "a document node",
    "AttributeNode": "an attribute",
    "TextNode": "a text node",
    "CommentNode": "a comment",
    "ProcessingInstructionNode": "a processing instruction",
    "NamespaceNode": "a namespace node",
}
_CLASS = re.compile(r"<class '(?:[\w.]+\.)?(\w+)'>")
_OBJECT = re.compile(r"<[^<>]*? at 0x[0-9a-fA-F]+>")
_FLOAT = re.compile(r"could not convert string to float: ('(?:[^'\\]|\\.)*'|\"[^\"]*\")")
_CAST = re.compile(r"could not convert ('(?:[^'\\]|\\.)*'|\"[^\"]*\") to (xs:\w+)")
_INT = re.compile(r"invalid literal for int\(\) with base \d+: ('(?:[^'\\]|\\.)*'|\"[^\"]*\")")
_COMPARE = re.compile(r"'([^']+)' not supported between instances of '(\w+)' and '(\w+)'")
_OPERAND = re.compile(r"unsupported operand type\(s\) for ([^:]+): '(\w+)' and '(\w+)'")
# A repr such as Date10(2020, 1, 1, 0, 0, 0) or UntypedAtomic('x'): one level of parentheses inside.
_CONVERSION = re.compile(r"conversion from (\w+) to (\w+) is not supported")
_ARGUMENT_TYPE = re.compile(r"(\w+)\(\) argument (\d+) must be of (Value|Logical|Nodes)Type")
_ARGUMENT_KINDS = {
    "Value": "a value (a literal, a singular query, or a function that gives a value)",
    "Logical": "a test (a comparison, a query, or a function that gives true or false)",
    "Nodes": "a query",
}
_TOKEN_ENUM = re.compile(r"<TokenType\.(\w+): [^>]*>")
_TOKEN_LIST = re.compile(r"(?:one of )?\[((?:'[A-Z_]+'(?:, )?)+)\]")
_TOKEN_NAME = re.compile(r"'([A-Z][A-Z_]*[A-Z])'")
_TOKEN_WORDS = {
    "EOF": "the end of the query",
    "LBRACKET": "'['",
    "RBRACKET": "']'",
    "LPAREN": "'('",
    "RPAREN": "')'",
    "COMMA": "','",
    "DOT": "'.'",
    "DOUBLE_DOT": "'..'",
    "DDOT": "'..'",
    "COLON": "':'",
    "FILTER": "'?'",
    "WILD": "'*'",
    "ROOT": "'$'",
    "CURRENT": "'@'",
}
_REPR = re.compile(r"\b([A-Z]\w*)\(((?:[^()]|\([^()]*\))*)\)")


def type_word(name: str, datatype_name: Callable[[str], str | None] | None = None) -> str:
    """The user's word for the Python class ``name`` (``int`` → ``xs:integer``)."""
    if name in _PYTHON_TYPES:
        return _PYTHON_TYPES[name]
    xs_name = datatype_name(name) if datatype_name is not None else None
    if xs_name:
        return f"xs:{xs_name}"
    return "a value of another type"


def _token_word(name: str) -> str:
    """A parser's token type name (``RBRACKET``) as what the user wrote (``']'``)."""
    return _TOKEN_WORDS.get(name, name.lower().replace("_", " "))


def leaks_python(text: str) -> bool:
    """Whether ``text`` holds Python's own wording (see :data:`PYTHON_WORDING`)."""
    return PYTHON_WORDING.search(text) is not None


def plain_text(text: str, datatype_name: Callable[[str], str | None] | None = None) -> str | None:
    """``text`` with the Python forms it is known to hold rewritten; None when some remain.

    ``datatype_name`` maps a library class name to its XML Schema type name (``Date10`` →
    ``date``), or gives None for a class that is not a datatype.
    """

    def word(name: str) -> str:
        return type_word(name, datatype_name)

    def repr_value(match: re.Match[str]) -> str:
        name, inside = match.group(1), match.group(2)
        if name == "UntypedAtomic" or name == "AnyURI":
            return inside  # the quoted text
        xs_name = datatype_name(name) if datatype_name is not None else None
        return f"an xs:{xs_name} value" if xs_name else match.group(0)

    text = _FLOAT.sub(lambda match: f"{match.group(1)} is not a number", text)
    text = _CAST.sub(lambda match: f"{match.group(1)} cannot be cast to {match.group(2)}", text)
    text = _INT.sub(lambda match: f"{match.group(1)} is not an integer", text)
    text = _COMPARE.sub(
        lambda match: f"{word(match.group(2))} and {word(match.group(3))} cannot be compared with {match.group(1)}",
        text,
    )
    text = _OPERAND.sub(
        lambda match: f"{match.group(1)} cannot be applied to {word(match.group(2))} and {word(match.group(3))}",
        text,
    )
    text = _CONVERSION.sub(lambda match: f"{word(match.group(1))} cannot be converted to {word(match.group(2))}", text)
    text = _ARGUMENT_TYPE.sub(
        lambda match: (
            f"argument {int(match.group(2)) + 1} of {match.group(1)}() must be {_ARGUMENT_KINDS[match.group(3)]}"
        ),
        text,
    )
    text = _TOKEN_ENUM.sub(lambda match: _token_word(match.group(1)), text)
    text = _TOKEN_LIST.sub(
        lambda match: " or ".join(_token_word(name) for name in _TOKEN_NAME.findall(match.group(0))), text
    )
    text = _TOKEN_NAME.sub(lambda match: _token_word(match.group(1)), text)
    text = _CLASS.sub(lambda match: word(match.group(1)), text)
    text = _OBJECT.sub("a function", text)
    text = _REPR.sub(repr_value, text)
    return None if leaks_python(text) else text
