"""PURE: the codes of the edition check's problems that the workspace translates.

A `ContentProblem` keeps its English `message` for the CLI and the logs; its `code` names the
catalogue text `check_<code>` (templates/web/workspace/i18n/check.<lang>.yaml) that the pages
show instead, with the problem's `params` filled in. A code a pydantic validator gives that is
not listed here (a rare type error) has no text, and the page shows the English message.
Where the English is a library's own words (a YAML parser, the template engine, MJML), the
code frames them in a sentence of the page's language and passes them as `{detail}`.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CheckCode"]


class CheckCode(StrEnum):
    # the content model (mailer.core.edition.content)
    TEXT_MISSING = "text_missing"
    TEXT_EMPTY = "text_empty"
    FIELD_MISSING = "field_missing"
    FIELD_UNKNOWN = "field_unknown"
    REGION_UNKNOWN = "region_unknown"
    DATETIME_INVALID = "datetime_invalid"
    LINK_NOT_HTTPS = "link_not_https"
    EVENT_ENDS_FIRST = "event_ends_first"
    EVENT_WITHOUT_PLACE = "event_without_place"
    YAML_SYNTAX = "yaml_syntax"
    YAML_NOT_MAPPING = "yaml_not_mapping"
    MONTH_MISMATCH = "month_mismatch"
    # pydantic's own kinds, as the content model meets them (its code passes through)
    STRING_PATTERN_MISMATCH = "string_pattern_mismatch"
    TOO_SHORT = "too_short"
    GREATER_THAN_EQUAL = "greater_than_equal"
    LESS_THAN_EQUAL = "less_than_equal"
    STRING_TYPE = "string_type"
    INT_PARSING = "int_parsing"
    BOOL_PARSING = "bool_parsing"
    LIST_TYPE = "list_type"
    DICT_TYPE = "dict_type"
    MODEL_TYPE = "model_type"
    # the editorial rules (mailer.core.edition.rules)
    TEMPLATE_SYNTAX = "template_syntax"
    RAW_HTML = "raw_html"
    MARKDOWN_IMAGE = "markdown_image"
    OTHER_MONTH = "other_month"
    LONG_SUBJECT = "long_subject"
    EVENT_OVER = "event_over"
    # the compiled letter (mailer.core.edition.render, mailer.pipeline.editions)
    REVISION_MISSING = "revision_missing"
    CATALOGUE_INVALID = "catalogue_invalid"
    TEMPLATE_ERROR = "template_error"
    HTML_TOO_LARGE = "html_too_large"
    HTML_LANG = "html_lang"
    IMAGES_WITHOUT_ALT = "images_without_alt"
    MJML_UNRENDERED = "mjml_unrendered"
    TOKEN_UNKNOWN = "token_unknown"  # noqa: S105  (a recipient token, not a secret)
    # an uploaded edition file (mailer.web.editions)
    FILE_NOT_UTF8 = "file_not_utf8"
    IMPORT_REFUSED = "import_refused"
