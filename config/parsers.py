"""The API's request parsers (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"])."""

from rest_framework import exceptions
from rest_framework.parsers import JSONParser


def _nul_at(value, where: str = "") -> str | None:
    """Where in a parsed JSON body a string holds the NUL character (None if nowhere)."""
    if isinstance(value, str):
        return where or "the body" if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return "a field name"
        found = _nul_at(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


class ObjectJSONParser(JSONParser):
    """Every request body of the API is a JSON object: anything else (null, a list, a number, a
    string) is a 400 with a message, as is text holding the NUL character, which no record can store."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise exceptions.ParseError('The body must be a JSON object, such as {"field": "value"}.')
        where = _nul_at(data)
        if where:
            raise exceptions.ParseError(f"Text may not hold the NUL character (\\u0000): see {where}.")
        return data
