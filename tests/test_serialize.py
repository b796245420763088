"""Parameter serialization, body encoders and payload replacements (arazzo_runner.openapi.serialize).

The style tables are OpenAPI's "Style Examples" (3.1.1/3.2), with the values it uses:
color = "blue", ["blue", "black", "brown"], {"R": 100, "G": 200, "B": 150}.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from typing import Any

import pytest

from arazzo_runner.execution.request import (
    ParameterValue,
    PreparedRequest,
    StepError,
    build_request,
    encode_body,
    parameter_text,
)
from arazzo_runner.missing import MISSING
from arazzo_runner.model import CriterionExpressionType
from arazzo_runner.openapi import serialize
from arazzo_runner.openapi.serialize import (
    Payload,
    apply_replacement,
    media_object,
    pct_encode,
    serialize_content,
    serialize_cookie,
    serialize_header,
    serialize_path,
    serialize_query,
    serialize_querystring,
    to_xml,
)

STRING = "blue"
ARRAY = ["blue", "black", "brown"]
OBJECT = {"R": 100, "G": 200, "B": 150}

# ---------------------------------------------------------------- the style table

# (style, explode): (undefined, string, array, object), exactly as the table writes them
PATH_TABLE = {
    ("matrix", False): (";color", ";color=blue", ";color=blue,black,brown", ";color=R,100,G,200,B,150"),
    ("matrix", True): (";color", ";color=blue", ";color=blue;color=black;color=brown", ";R=100;G=200;B=150"),
    ("label", False): (".", ".blue", ".blue,black,brown", ".R,100,G,200,B,150"),
    ("label", True): (".", ".blue", ".blue.black.brown", ".R=100.G=200.B=150"),
    ("simple", False): ("", "blue", "blue,black,brown", "R,100,G,200,B,150"),
    ("simple", True): ("", "blue", "blue,black,brown", "R=100,G=200,B=150"),
}

# query styles, without the "?" the table shows in front; None: n/a in the table
QUERY_TABLE = {
    ("form", False): ("color=", "color=blue", "color=blue,black,brown", "color=R,100,G,200,B,150"),
    ("form", True): ("color=", "color=blue", "color=blue&color=black&color=brown", "R=100&G=200&B=150"),
    ("spaceDelimited", False): (None, None, "color=blue%20black%20brown", "color=R%20100%20G%20200%20B%20150"),
    ("spaceDelimited", True): (None, None, None, None),
    ("pipeDelimited", False): (None, None, "color=blue%7Cblack%7Cbrown", "color=R%7C100%7CG%7C200%7CB%7C150"),
    ("pipeDelimited", True): (None, None, None, None),
    ("deepObject", False): (None, None, None, None),
    ("deepObject", True): (None, None, None, "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"),
}

VALUES = (None, STRING, ARRAY, OBJECT)
KINDS = ("undefined", "string", "array", "object")


def _cases(table: dict[tuple[str, bool], tuple[str | None, ...]]) -> list[Any]:
    return [
        pytest.param(style, explode, value, expected, id=f"{style}-{'explode' if explode else 'flat'}-{kind}")
        for (style, explode), row in table.items()
        for kind, value, expected in zip(KINDS, VALUES, row, strict=True)
        if expected is not None
    ]


@pytest.mark.parametrize(("style", "explode", "value", "expected"), _cases(PATH_TABLE))
def test_path_styles_follow_the_table(style: str, explode: bool, value: Any, expected: str) -> None:
    assert serialize_path("color", value, style, explode) == expected


@pytest.mark.parametrize(("style", "explode", "value", "expected"), _cases(QUERY_TABLE))
def test_query_styles_follow_the_table(style: str, explode: bool, value: Any, expected: str) -> None:
    assert "&".join(serialize_query("color", value, style, explode)) == expected


# combinations the table marks n/a: this runner's documented fallbacks
NA_FALLBACKS = [
    # a primitive, or explode: true, in spaceDelimited / pipeDelimited: as form
    ("spaceDelimited", False, STRING, "color=blue"),
    ("spaceDelimited", True, ARRAY, "color=blue&color=black&color=brown"),
    ("spaceDelimited", True, OBJECT, "R=100&G=200&B=150"),
    ("pipeDelimited", False, STRING, "color=blue"),
    ("pipeDelimited", True, ARRAY, "color=blue&color=black&color=brown"),
    ("pipeDelimited", True, OBJECT, "R=100&G=200&B=150"),
    # undefined in any query style: name=
    ("spaceDelimited", False, None, "color="),
    ("pipeDelimited", True, [], "color="),
    ("deepObject", True, {}, "color="),
    # deepObject: objects always bracketed; primitives and arrays as form
    ("deepObject", False, OBJECT, "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"),
    ("deepObject", True, STRING, "color=blue"),
    ("deepObject", True, ARRAY, "color=blue&color=black&color=brown"),
]


@pytest.mark.parametrize(("style", "explode", "value", "expected"), NA_FALLBACKS)
def test_query_combinations_the_table_leaves_undefined(style: str, explode: bool, value: Any, expected: str) -> None:
    assert "&".join(serialize_query("color", value, style, explode)) == expected


def test_query_defaults_are_form_with_explode() -> None:
    assert serialize_query("color", ARRAY) == ["color=blue", "color=black", "color=brown"]
    assert serialize_query("color", OBJECT, "form") == ["R=100", "G=200", "B=150"]


def test_path_default_is_simple_without_explode() -> None:
    assert serialize_path("color", ARRAY) == "blue,black,brown"
    assert serialize_path("color", OBJECT) == "R,100,G,200,B,150"


@pytest.mark.parametrize(
    ("explode", "value", "expected"),
    [
        (False, None, ""),
        (False, STRING, "blue"),
        (False, ARRAY, "blue,black,brown"),
        (False, OBJECT, "R,100,G,200,B,150"),
        (True, STRING, "blue"),
        (True, ARRAY, "blue,black,brown"),
        (True, OBJECT, "R=100,G=200,B=150"),
    ],
)
def test_header_simple_style(explode: bool, value: Any, expected: str) -> None:
    assert serialize_header("X-Color", value, "simple", explode) == expected


@pytest.mark.parametrize(
    ("style", "explode", "value", "expected"),
    [
        ("form", False, None, [("color", "")]),
        ("form", False, STRING, [("color", "blue")]),
        ("form", False, ARRAY, [("color", "blue,black,brown")]),
        ("form", False, OBJECT, [("color", "R,100,G,200,B,150")]),
        ("form", True, STRING, [("color", "blue")]),
        ("form", True, ARRAY, [("color", "blue"), ("color", "black"), ("color", "brown")]),
        ("form", True, OBJECT, [("R", "100"), ("G", "200"), ("B", "150")]),
        ("cookie", False, ARRAY, [("color", "blue,black,brown")]),
        ("cookie", True, ARRAY, [("color", "blue"), ("color", "black"), ("color", "brown")]),
        ("cookie", True, OBJECT, [("R", "100"), ("G", "200"), ("B", "150")]),
        # defaults: form, explode true
        (None, None, ARRAY, [("color", "blue"), ("color", "black"), ("color", "brown")]),
    ],
)
def test_cookie_styles(style: str | None, explode: bool | None, value: Any, expected: list[tuple[str, str]]) -> None:
    assert serialize_cookie("color", value, style, explode) == expected


def test_cookie_form_escapes_only_what_a_cookie_cannot_hold() -> None:
    # base64 tokens ("=", "/", "+") pass; space, ";", ",", '"', "\" and non-ASCII are encoded
    assert serialize_cookie("s", "ab+/c==") == [("s", "ab+/c==")]
    assert serialize_cookie("s", 'a b;c,d"e\\f é') == [("s", "a%20b%3Bc%2Cd%22e%5Cf%20%C3%A9")]
    # style cookie (OpenAPI 3.2): nothing is escaped
    assert serialize_cookie("s", "a%20b", "cookie") == [("s", "a%20b")]


def test_primitive_types_read_as_json() -> None:
    assert serialize_path("v", 1.5) == "1.5"
    assert serialize_path("v", True) == "true"
    assert serialize_query("v", False) == ["v=false"]
    assert serialize_query("v", 0) == ["v=0"]
    assert serialize_header("v", [1, None, "x"]) == "1,,x"
    # a nested container inside a style is JSON text
    assert serialize_query("v", [{"a": 1}], "form", False) == ["v=%7B%22a%22%3A1%7D"]


def test_missing_is_never_sent() -> None:
    assert serialize_query("a", MISSING) == []
    assert serialize_header("a", MISSING) is None
    assert serialize_cookie("a", MISSING) == []
    assert serialize_querystring(MISSING) == ""
    with pytest.raises(StepError, match="'a' has no value"):
        serialize_path("a", MISSING)
    # MISSING members and items are left out
    assert serialize_query("c", {"R": 1, "G": MISSING}, "deepObject", True) == ["c%5BR%5D=1"]
    assert serialize_path("c", ["x", MISSING, "y"]) == "x,y"


# ---------------------------------------------------------------- percent-encoding


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a b", "a%20b"),
        ("a/b", "a%2Fb"),
        ("100%", "100%25"),
        ("%41", "%2541"),  # an existing triple is data, not an escape
        ("é", "%C3%A9"),
        ("日本", "%E6%97%A5%E6%9C%AC"),
        ("😀", "%F0%9F%98%80"),
        ("?#[]@!$&'()*+,;=:", "%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A"),
        ("A-z_0.9~", "A-z_0.9~"),  # unreserved: as they are
        ("", ""),
    ],
)
def test_path_values_are_fully_encoded(value: str, expected: str) -> None:
    assert serialize_path("id", value) == expected


def test_path_encoding_inside_label_and_matrix_and_keys() -> None:
    assert serialize_path("c", ["a b", "c/d"], "label", True) == ".a%20b.c%2Fd"
    assert serialize_path("c", {"k y": "v/w"}, "matrix", True) == ";k%20y=v%2Fw"
    assert serialize_path("c y", "v", "matrix") == ";c%20y=v"
    # RFC 6570: an empty string in matrix style has no "="
    assert serialize_path("c", "", "matrix") == ";c"


def test_query_values_are_encoded_per_rfc3986() -> None:
    assert serialize_query("q", "a b&c=d/e?f#g+h") == ["q=a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh"]
    assert serialize_query("n me", "é") == ["n%20me=%C3%A9"]
    # the delimiters of a style are literal, the same characters inside values are not
    assert serialize_query("q", ["a,b", "c"], "form", False) == ["q=a%2Cb,c"]
    assert serialize_query("q", ["a|b", "c"], "pipeDelimited", False) == ["q=a%7Cb%7Cc"]


def test_allow_reserved_keeps_reserved_characters_and_triples() -> None:
    value = "/a/b?c=d&e:f@g!$'()*+,;%2B % é#x[y]"
    (piece,) = serialize_query("next", value, allow_reserved=True)
    assert piece == "next=/a/b?c=d&e:f@g!$'()*+,;%2B%20%25%20%C3%A9%23x%5By%5D"
    # without it, everything reserved is encoded
    (plain,) = serialize_query("next", "/a?b", allow_reserved=False)
    assert plain == "next=%2Fa%3Fb"
    # OpenAPI Appendix C's example: a pre-encoded %2B stays, "^" is encoded
    assert serialize_query("a", "x%2By", allow_reserved=True) == ["a=x%2By"]
    assert serialize_query("c", "x^y", allow_reserved=True) == ["c=x%5Ey"]
    assert pct_encode("a/b", allow_reserved=True) == "a/b"


def test_headers_are_not_percent_encoded_and_refuse_line_breaks() -> None:
    assert serialize_header("X-Q", "a b&c/d") == "a b&c/d"
    with pytest.raises(StepError, match="line break"):
        serialize_header("X-Q", "a\r\nInjected: yes")
    with pytest.raises(StepError, match="non-ASCII"):
        serialize_header("X-Q", "é")
    with pytest.raises(StepError, match="line break"):
        serialize_cookie("c", "a\nb", "cookie")


# ---------------------------------------------------------------- content-typed parameters


def test_content_json_parameter_in_query_is_json_text_percent_encoded() -> None:
    # OpenAPI's "coordinates" example
    coordinates = {"lat": 1.5, "long": -2}
    assert serialize_query("coordinates", coordinates, content_type="application/json") == [
        "coordinates=%7B%22lat%22%3A1.5%2C%22long%22%3A-2%7D"
    ]
    # style/explode/allowReserved do not apply with content
    assert serialize_query("c", ["a"], "form", True, True, content_type="application/json") == ["c=%5B%22a%22%5D"]


def test_content_parameters_in_path_header_and_cookie() -> None:
    assert serialize_path("p", {"a": "b/c"}, content_type="application/json") == "%7B%22a%22%3A%22b%2Fc%22%7D"
    assert serialize_header("X-Filter", {"a": [1, 2]}, content_type="application/json") == '{"a":[1,2]}'
    assert serialize_cookie("c", {"a": 1}, content_type="application/json") == [("c", "{%22a%22:1}")]
    assert serialize_header("X-T", "plain text", content_type="text/plain") == "plain text"


def test_serialize_content_by_media_type() -> None:
    assert serialize_content("f81d", "application/json") == '"f81d"'
    # a string holding a JSON object or array is JSON text already
    assert serialize_content('{"a": 1}', "application/json") == '{"a": 1}'
    assert serialize_content("123", "application/json") == '"123"'
    assert serialize_content(None, "application/json") == "null"
    assert serialize_content({"a": "x y", "b": [1, 2]}, "application/x-www-form-urlencoded") == "a=x+y&b=1&b=2"
    assert serialize_content(12, "text/plain") == "12"
    assert serialize_content({"a": 1}, "application/vnd.api+json") == '{"a":1}'
    with pytest.raises(StepError, match="XML text"):
        serialize_content({"a": 1}, "application/xml")


# ---------------------------------------------------------------- querystring


def test_querystring_form_string_is_sent_as_written() -> None:
    # Arazzo's examples; only what a query cannot hold is encoded
    assert serialize_querystring("filter=active&sort=desc&limit=50") == "filter=active&sort=desc&limit=50"
    media = "application/x-www-form-urlencoded"
    assert serialize_querystring("category=a b&x=%2B&y=é#", media) == "category=a%20b&x=%2B&y=%C3%A9%23"
    assert serialize_querystring("?a=1", media) == "a=1"


def test_querystring_form_object_is_form_encoded() -> None:
    value = {"q": "red shoes", "size": [40, 41], "opts": {"a": 1}, "gone": MISSING, "none": None}
    media = "application/x-www-form-urlencoded"
    assert serialize_querystring(value, media) == "q=red+shoes&size=40&size=41&opts=%7B%22a%22%3A1%7D&none="
    # the media type's Encoding Objects apply
    encoding = {"opts": {"style": "deepObject", "explode": True}}
    assert serialize_querystring({"opts": {"a": 1}}, media, encoding) == "opts%5Ba%5D=1"
    with pytest.raises(StepError, match="string or an object"):
        serialize_querystring([1, 2], media)


def test_querystring_json_is_percent_encoded_json_text() -> None:
    text = '{"filter":"active","sort":"desc","limit":50}'
    expected = "%7B%22filter%22%3A%22active%22%2C%22sort%22%3A%22desc%22%2C%22limit%22%3A50%7D"
    assert serialize_querystring(text, "application/json") == expected
    assert serialize_querystring(json.loads(text), "application/json") == expected
    assert serialize_querystring("a b", "text/plain") == "a%20b"
    assert serialize_querystring(None, "application/json") == ""


# ---------------------------------------------------------------- build_request


def _p(name: str, in_: str, value: Any, **kwargs: Any) -> ParameterValue:
    return ParameterValue(name, in_, value, **kwargs)


def test_build_request_puts_every_location_together() -> None:
    prepared = build_request(
        "get",
        "http://api.test/v1/items/{id}/{shade}",
        [
            _p("id", "path", "a b/c"),
            _p("shade", "path", {"R": 1}, style="matrix", explode=True),
            _p("q", "query", ["x", "y"], style="form", explode=True),
            _p("skip", "query", MISSING),
            _p("X-Trace", "header", "t 1"),
            _p("X-Gone", "header", MISSING),
            _p("theme", "cookie", "dark"),
            _p("prefs", "cookie", ["a", "b"], style="form", explode=True),
        ],
    )
    assert prepared.method == "GET"
    assert prepared.url == "http://api.test/v1/items/a%20b%2Fc/;R=1?q=x&q=y"
    assert prepared.headers == [("X-Trace", "t 1"), ("Cookie", "theme=dark; prefs=a; prefs=b")]
    assert prepared.cookies == {}  # sent in the Cookie header above
    assert prepared.query == {"q": ["x", "y"]}
    assert prepared.path == {"id": "a b/c", "shade": {"R": 1}}
    assert prepared.content is None and prepared.body_text is None


def test_build_request_cookie_parameters_join_a_cookie_header_parameter() -> None:
    prepared = build_request("GET", "http://h/", [_p("Cookie", "header", "a=1"), _p("b", "cookie", 2)])
    assert prepared.headers == [("Cookie", "a=1; b=2")]


def test_build_request_querystring_and_query_join() -> None:
    prepared = build_request(
        "GET",
        "http://h/s?fixed=1",
        [_p("raw", "querystring", "a=1&b=2"), _p("c", "query", 3, style="form", explode=True)],
    )
    assert prepared.url == "http://h/s?fixed=1&c=3&a=1&b=2"
    prepared = build_request("GET", "http://h/s", [_p("raw", "querystring", {"a": 1}, content_type="application/json")])
    assert prepared.url == "http://h/s?%7B%22a%22%3A1%7D"


def test_build_request_missing_path_value() -> None:
    with pytest.raises(StepError, match="'id' has no value"):
        build_request("GET", "http://h/items/{id}", [_p("id", "path", MISSING)])
    with pytest.raises(StepError, match="'id' has no value"):
        build_request("GET", "http://h/items/{id}", [])
    assert build_request("GET", "http://h/items/{id}", [], dry_run=True).url == "http://h/items/{id}"


def test_build_request_null_values_follow_the_undefined_column() -> None:
    prepared = build_request(
        "GET",
        "http://h/{a}/{b}",
        [
            _p("a", "path", None, style="label"),
            _p("b", "path", None, style="matrix"),
            _p("q", "query", None),
            _p("X-N", "header", None),
        ],
    )
    assert prepared.url == "http://h/./;b?q="
    assert prepared.headers == [("X-N", "")]


def test_build_request_body_and_content_type() -> None:
    prepared = build_request("POST", "http://h/", [], body={"a": None, "b": "é"})
    assert prepared.content == '{"a":null,"b":"é"}'.encode()
    assert prepared.content_type == "application/json"
    assert ("Content-Type", "application/json") in prepared.headers
    # an explicit Content-Type header parameter wins over the body's
    prepared = build_request(
        "POST", "http://h/", [_p("Content-Type", "header", "application/json; charset=utf-8")], body=[1]
    )
    assert [h for h in prepared.headers if h[0].lower() == "content-type"] == [
        ("Content-Type", "application/json; charset=utf-8")
    ]
    # MISSING: no body, no Content-Type
    assert build_request("POST", "http://h/", [], body=MISSING).headers == []
    assert build_request("POST", "http://h/", [], body=Payload(MISSING)).content is None


def test_build_request_payload_carries_the_media_type_object() -> None:
    media = {"encoding": {"address": {"style": "deepObject", "explode": True}}}
    prepared = build_request(
        "POST",
        "http://h/",
        [],
        body=Payload({"address": {"city": "Paris"}}, media),
        content_type="application/x-www-form-urlencoded",
    )
    assert prepared.content == b"address%5Bcity%5D=Paris"
    assert prepared.body_value == {"address": {"city": "Paris"}}


def test_compatibility_helpers() -> None:
    # positional construction as before, new fields defaulted
    value = ParameterValue("a", "query", 1, "form", True, False)
    assert value.content_type is None and value.encoding is None
    assert parameter_text(None) == "" and parameter_text(True) == "true" and parameter_text({"a": 1}) == '{"a":1}'
    assert encode_body("application/json", {"a": 1}) == b'{"a":1}'
    assert encode_body("application/x-www-form-urlencoded", {"a": "b c"}) == b"a=b+c"
    assert encode_body(None, MISSING) is None
    assert PreparedRequest("GET", "http://h/").cookies == {}


# ---------------------------------------------------------------- body encoders


def _body(value: Any, content_type: str | None, media: Any = None) -> serialize.EncodedBody:
    return serialize.encode_body(value, content_type, media)


def test_json_bodies() -> None:
    assert _body({"a": [1, 2.5, True, None]}, "application/json").content == b'{"a":[1,2.5,true,null]}'
    assert _body("plain", "application/json").content == b'"plain"'
    assert _body("123", "application/json").content == b'"123"'
    # JSON text (a templated payload) is sent as written, and read as data by $request.body
    encoded = _body('{\n  "a": 1\n}', "application/json")
    assert encoded.content == b'{\n  "a": 1\n}' and encoded.value == {"a": 1}
    assert _body(None, "application/json").content == b"null"
    assert _body({"x": 1}, "application/merge-patch+json").content == b'{"x":1}'
    assert _body({"x": 1}, None).content_type == "application/json"
    with pytest.raises(StepError, match="NaN"):
        _body({"x": float("nan")}, "application/json")


def test_form_bodies() -> None:
    form = "application/x-www-form-urlencoded"
    value = {"name": "Ada Lovelace", "tags": ["a b", "c&d"], "gone": MISSING, "none": None, "n": 1, "t": True}
    assert _body(value, form).content == b"name=Ada+Lovelace&tags=a+b&tags=c%26d&none=&n=1&t=true"
    # OpenAPI's example: an object member is JSON text by default, a string is text/plain
    address = {"streetAddress": "123 Example Dr.", "city": "Somewhere", "state": "CA", "zip": "99999+1234"}
    encoded = _body({"id": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "address": address}, form).content.decode()
    assert encoded == (
        "id=f81d4fae-7dec-11d0-a765-00a0c91e6bf6&address=%7B%22streetAddress%22%3A%22123+Example+Dr.%22%2C"
        "%22city%22%3A%22Somewhere%22%2C%22state%22%3A%22CA%22%2C%22zip%22%3A%2299999%2B1234%22%7D"
    )
    # the Encoding Object: contentType application/json, then style-based serialization
    media = {
        "encoding": {
            "id": {"contentType": "application/json"},
            "addr": {"style": "form", "explode": True},
            "deep": {"style": "deepObject", "explode": True},
            "flat": {"style": "form", "explode": False},
            "pipes": {"style": "pipeDelimited"},
            "raw": {"allowReserved": True},
        }
    }
    value = {
        "id": "f81d",
        "addr": {"city": "Paris", "zip": "75 001"},
        "deep": {"a": {"b": 1}, "c": [1, 2]},
        "flat": [1, 2],
        "pipes": ["x", "y"],
        "raw": "a/b?c",
    }
    assert _body(value, form, media).content.decode() == (
        "id=%22f81d%22&city=Paris&zip=75+001&deep%5Ba%5D%5Bb%5D=1&deep%5Bc%5D=1&deep%5Bc%5D=2"
        "&flat=1,2&pipes=x%7Cy&raw=a/b?c"
    )
    # a string is an already encoded form
    assert _body("a=1&b=x y&c=%2B", form).content == b"a=1&b=x+y&c=%2B"
    with pytest.raises(StepError, match="object or a string"):
        _body([1, 2], form)


def test_multipart_body_with_a_boundary_given() -> None:
    content_type = "multipart/form-data; boundary=XyZ"
    media = {"encoding": {"pic": {"contentType": "image/png, image/jpeg"}, "meta": {"contentType": "application/xml"}}}
    value = {
        "title": "Hé",
        "n": 2,
        "gone": MISSING,
        "tags": ["a", "b"],
        "obj": {"k": 1},
        "pic": b"\x89PNG",
        "file": {"filename": "r.txt", "contentType": "text/csv", "content": "a,b"},
        "meta": "<m/>",
    }
    encoded = _body(value, content_type, media)
    assert encoded.content_type == content_type
    assert encoded.content == (
        b'--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nH\xc3\xa9\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="n"\r\n\r\n2\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="tags"\r\n\r\na\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="tags"\r\n\r\nb\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="obj"\r\nContent-Type: application/json\r\n\r\n{"k":1}\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="pic"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="r.txt"\r\nContent-Type: text/csv\r\n\r\n'
        b"a,b\r\n"
        b'--XyZ\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application/xml\r\n\r\n<m/>\r\n'
        b"--XyZ--\r\n"
    )


def test_json_parts_take_json_text_as_it_is() -> None:
    media = {"encoding": {"meta": {"contentType": "application/json"}}}
    encoded = _body({"meta": '{"a": 1}', "name": "x"}, "multipart/form-data; boundary=b", media)
    assert b'\r\n\r\n{"a": 1}\r\n' in encoded.content
    form = _body({"meta": '{"a": 1}', "plain": "x"}, "application/x-www-form-urlencoded", media)
    assert form.content == b"meta=%7B%22a%22%3A+1%7D&plain=x"


def test_multipart_boundary_is_added_when_not_given() -> None:
    encoded = _body({"a": "1"}, "multipart/form-data")
    assert encoded.content_type.startswith("multipart/form-data; boundary=arazzo-")
    boundary = encoded.content_type.split("boundary=")[1]
    assert encoded.content.startswith(f"--{boundary}\r\n".encode()) and encoded.content.endswith(
        f"--{boundary}--\r\n".encode()
    )
    with pytest.raises(StepError, match="needs an object"):
        _body(["a"], "multipart/form-data")
    with pytest.raises(StepError, match="boundary"):
        _body("--x\r\n", "multipart/form-data")
    with pytest.raises(StepError, match="base64"):
        _body({"f": {"contentBase64": "***"}}, "multipart/form-data; boundary=b")


def test_file_values() -> None:
    assert serialize.is_file_value({"filename": "a", "content": "x"})
    assert serialize.is_file_value({"contentBase64": "eA=="})
    assert not serialize.is_file_value({"filename": "a"})  # no content
    assert not serialize.is_file_value({"content": "x", "owner": "me"})  # not only file keys: an object


def test_text_xml_binary_and_other_bodies() -> None:
    assert _body("Hé ✓", "text/plain").content == "Hé ✓".encode()
    assert _body("Hé", "text/plain; charset=iso-8859-1").content == b"H\xe9"
    assert _body(None, "text/plain").content == b"null"
    assert _body({"a": 1}, "text/plain").content == b'{"a":1}'
    assert _body("<a>x</a>", "application/xml").content == b"<a>x</a>"
    assert _body("raw ✓", "application/octet-stream").content == "raw ✓".encode()
    assert _body(b"\x00\xff", "application/octet-stream").content == b"\x00\xff"
    assert _body(b"\x00\xff", "application/json").content == b"\x00\xff"  # bytes are always as they are
    with pytest.raises(StepError, match="bytes or a string"):
        _body({"a": 1}, "application/octet-stream")
    with pytest.raises(StepError, match="bytes or a string"):
        _body(1, "image/png")
    assert _body({"a": 1}, "application/vnd.custom").content == b'{"a":1}'
    with pytest.raises(StepError, match="charset"):
        _body("x", "text/plain; charset=nope")


def test_media_object_matches_ranges() -> None:
    content = {"application/json": {"a": 1}, "text/*": {"b": 2}, "*/*": {"c": 3}}
    assert media_object(content, "application/json; charset=utf-8") == {"a": 1}
    assert media_object(content, "text/csv") == {"b": 2}
    assert media_object(content, "image/png") == {"c": 3}
    assert media_object({"application/json": {}}, "text/plain") is None
    assert media_object(None, "text/plain") is None


# ---------------------------------------------------------------- XML from a schema

PET_SCHEMAS = {
    "Pet": {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "xml": {"attribute": True}},
            "name": {"type": "string", "xml": {"namespace": "https://example.com/pet", "prefix": "sample"}},
            "photoUrls": {
                "type": "array",
                "xml": {"wrapped": True, "name": "photos"},
                "items": {"type": "string", "xml": {"name": "photo"}},
            },
            "aliases": {"type": "array", "items": {"type": "string"}},
            "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
        },
    },
    "Tag": {"type": "object", "xml": {"name": "tag"}, "properties": {"label": {"type": "string"}}},
}


def _resolve(node: Any) -> Any:
    return PET_SCHEMAS[node["$ref"].rsplit("/", 1)[-1]]


def test_xml_from_schema_hints() -> None:
    value = {
        "id": 7,
        "name": "Fido & <co>",
        "photoUrls": ["a.png", "b.png"],
        "aliases": ["F", "D"],
        "tags": [{"label": "x"}],
        "none": None,
    }
    text = to_xml(value, {"$ref": "#/components/schemas/Pet"}, _resolve)
    assert text == (
        '<Pet id="7"><sample:name xmlns:sample="https://example.com/pet">Fido &amp; &lt;co&gt;</sample:name>'
        "<photos><photo>a.png</photo><photo>b.png</photo></photos>"
        "<aliases>F</aliases><aliases>D</aliases><tag><label>x</label></tag></Pet>"
    )
    ElementTree.fromstring(text)  # well-formed


def test_xml_root_name_and_node_types() -> None:
    schema = {
        "type": "object",
        "xml": {"name": "doc", "namespace": "urn:d"},
        "properties": {
            "lang": {"xml": {"nodeType": "attribute", "name": "xml-lang"}},
            "body": {"xml": {"nodeType": "text"}},
            "code": {"xml": {"nodeType": "cdata"}},
            "list": {"type": "array", "xml": {"nodeType": "element", "name": "items"}, "items": {}},
        },
    }
    value = {"lang": "en", "body": "a<b", "code": "x]]>y", "list": [1, 2]}
    assert to_xml(value, schema) == (
        '<doc xmlns="urn:d" xml-lang="en">a&lt;b<![CDATA[x]]]]><![CDATA[>y]]><items><list>1</list><list>2</list></items></doc>'
    )


def test_xml_needs_a_schema_and_a_root_name() -> None:
    with pytest.raises(StepError, match="needs the operation's schema"):
        to_xml({"a": 1}, None)
    with pytest.raises(StepError, match="cannot name the root"):
        to_xml({"a": 1}, {"type": "object"})
    with pytest.raises(StepError, match="not a valid XML name"):
        to_xml({"a b": 1}, {"xml": {"name": "r"}})
    with pytest.raises(StepError, match="needs the operation's schema"):
        _body({"a": 1}, "application/xml")
    assert _body({"a": 1}, "application/xml", {"schema": {"xml": {"name": "r"}}}).content == b"<r><a>1</a></r>"


# ---------------------------------------------------------------- replacements


def test_pointer_replacements_work_on_a_copy() -> None:
    payload = {"a": {"b": [1, 2]}, "c": 1}
    result = apply_replacement(payload, "/a/b/0", "x")
    result = apply_replacement(result, "/a/b/-", 3)
    result = apply_replacement(result, "/a/b/3", 4)  # one past the end appends
    result = apply_replacement(result, "/new/deep", {"k": [1]})  # absent members are created
    result = apply_replacement(result, "#/c%20d~1e", True)  # URI fragment form
    assert result == {"a": {"b": ["x", 2, 3, 4]}, "c": 1, "new": {"deep": {"k": [1]}}, "c d/e": True}
    assert payload == {"a": {"b": [1, 2]}, "c": 1}  # untouched
    assert apply_replacement(payload, "", [1]) == [1]


def test_pointer_replacement_errors() -> None:
    with pytest.raises(StepError, match="past the end"):
        apply_replacement({"a": [1]}, "/a/5", 0)
    with pytest.raises(StepError, match="not an array index"):
        apply_replacement({"a": [1]}, "/a/x", 0)
    with pytest.raises(StepError, match="not an object or array"):
        apply_replacement({"a": 1}, "/a/b", 0)
    with pytest.raises(StepError, match="no members"):
        apply_replacement(5, "/a", 0)
    with pytest.raises(StepError, match="invalid JSON pointer"):
        apply_replacement({}, "a", 0)
    with pytest.raises(StepError, match="not JSON"):
        apply_replacement("not json", "/a", 0, content_type="application/json")


def test_pointer_replacement_on_json_text() -> None:
    result = apply_replacement('{"order": {"id": 1}}', "/order/id", 2, content_type="application/json")
    assert result == {"order": {"id": 2}}


def test_jsonpath_replacements() -> None:
    payload = {"items": [{"sku": "ABC123", "q": 1}, {"sku": "X", "q": 1}, {"sku": "ABC123", "q": 1}]}
    result = apply_replacement(payload, "$.items[?@.sku=='ABC123'].q", 10, selector_type="jsonpath")
    assert [item["q"] for item in result["items"]] == [10, 1, 10]
    assert payload["items"][0]["q"] == 1
    goessner = CriterionExpressionType(type="jsonpath", version="draft-goessner-dispatch-jsonpath-00")
    result = apply_replacement(payload, "$.items[?(@.sku=='X')].q", 5, selector_type=goessner)
    assert [item["q"] for item in result["items"]] == [1, 5, 1]
    assert apply_replacement(payload, "$", 1, selector_type="jsonpath") == 1
    with pytest.raises(StepError, match="selects nothing"):
        apply_replacement(payload, "$.nothing", 1, selector_type="jsonpath")
    with pytest.raises(StepError, match="targetSelectorType"):
        apply_replacement(payload, "$", 1, selector_type="yaml")
    assert apply_replacement(payload, "/items/1/q", 7, selector_type="jsonpointer")["items"][1]["q"] == 7


XML_ORDER = """<?xml version="1.0" encoding="UTF-8"?>
<!-- an order -->
<o:order xmlns:o="urn:orders" xmlns="urn:default" id="1">
  <o:item sku="A">one</o:item>
  <note>keep <b>bold</b> tail</note>
  <qty>1</qty><?pi data?>
</o:order>
<!-- end -->
"""


def test_xpath_replacements_keep_the_document() -> None:
    result = apply_replacement(XML_ORDER, "/o:order/qty", 5, content_type="application/xml")
    result = apply_replacement(result, "/o:order/@id", 'a"&<b', content_type="application/xml")
    result = apply_replacement(result, "//o:item/@sku", "B", selector_type="xpath")
    result = apply_replacement(result, "//note/text()[2]", " TAIL", content_type="text/xml")
    assert result == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!-- an order -->\n'
        '<o:order xmlns:o="urn:orders" xmlns="urn:default" id="a&quot;&amp;&lt;b">\n'
        '  <o:item sku="B">one</o:item>\n'
        "  <note>keep <b>bold</b> TAIL</note>\n"
        "  <qty>5</qty><?pi data?>\n"
        "</o:order>\n<!-- end -->\n"
    )


def test_xpath_replacement_of_an_element_with_children_and_of_the_document() -> None:
    result = apply_replacement("<a><b><c/>x</b></a>", "/a/b", "new", selector_type="xpath")
    assert result == "<a><b>new</b></a>"
    # the payload is XML text: XPath without a media type or a selector type
    assert apply_replacement("<a><b/></a>", "/a/b", True) == "<a><b>true</b></a>"
    assert apply_replacement("<a/>", "/", "<z/>", selector_type="xpath") == "<z/>"
    assert apply_replacement("<a><b>1</b></a>", "/a/b", None, selector_type="xpath") == "<a><b></b></a>"


def test_xpath_versions_and_namespaces() -> None:
    xpath10 = CriterionExpressionType(type="xpath", version="xpath-10")
    text = '<r xmlns="urn:x" xmlns:p="urn:p"><p:v>1</p:v><w>2</w></r>'
    # XPath 1.0 has no default element namespace: use a declared prefix or local-name()
    result = apply_replacement(text, "//*[local-name()='w']", "3", selector_type=xpath10)
    result = apply_replacement(result, "/r/p:v", "4", content_type="application/xml")  # 3.1: default namespace
    assert result == '<r xmlns="urn:x" xmlns:p="urn:p"><p:v>4</p:v><w>3</w></r>'


def test_xpath_replacement_errors() -> None:
    with pytest.raises(StepError, match="selects no element"):
        apply_replacement("<a/>", "/a/b", 1, selector_type="xpath")
    with pytest.raises(StepError, match="selects no element"):
        apply_replacement("<a>1</a>", "count(/a)", 1, selector_type="xpath")
    with pytest.raises(StepError, match="not well-formed"):
        apply_replacement("<a>", "/a", 1, selector_type="xpath")
    with pytest.raises(StepError, match="DOCTYPE"):
        apply_replacement('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "/a", 1, selector_type="xpath")
    with pytest.raises(StepError, match="not XML text"):
        apply_replacement({"a": 1}, "/a", 1, selector_type="xpath")
    with pytest.raises(StepError, match="takes text"):
        apply_replacement("<a/>", "/a", {"x": 1}, selector_type="xpath")
    with pytest.raises(StepError, match="replacement target"):
        apply_replacement("<a/>", "/a[", 1, selector_type="xpath")
