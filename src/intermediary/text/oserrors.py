"""Operating-system errors in the reader's words: by error code, never the system's text.

``str(OSError)`` is English ("[Errno 13] Permission denied: '/x'"), whatever language
the sentence around it is in. So an error that quotes one carries a *problem word*
instead (:func:`os_problem`: ``denied``, ``missing``, ``full``…), and the word is put in
the reader's language when the error is shown (:func:`problem_text`, from
``errors.os_<word>``). A code without a word of its own is shown as its name
(``EXDEV``), which reads the same in every language and can be looked up.

:func:`localised` renders an error's sentence with its ``problem`` parameter so
translated; errors that quote an operating-system error use it as their ``message``.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping

from intermediary.text import DEFAULT_LOCALE, Locale, catalog, render

__all__ = ["BY_ERRNO", "SaysOsProblem", "localised", "os_problem", "problem_text"]

#: the problem word of each code that has one (``errors.os_<word>`` in the catalogue)
BY_ERRNO: Mapping[int, str] = {
    errno.ENOENT: "missing",
    errno.EACCES: "denied",
    errno.EPERM: "denied",
    errno.EROFS: "read_only",
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.ENOTDIR: "not_folder",
    errno.EISDIR: "is_folder",
    errno.EEXIST: "exists",
    errno.EIO: "io",
    errno.ELOOP: "link",
    errno.ENAMETOOLONG: "too_long",
    errno.EBUSY: "busy",
}


def os_problem(error: OSError) -> str:
    """The problem as a catalogue word; another error by its code's name (``EXDEV``),
    or its type's name when it has no code."""
    code = error.errno or 0
    return BY_ERRNO.get(code) or errno.errorcode.get(code, type(error).__name__)


def problem_text(problem: str, locale: Locale = DEFAULT_LOCALE) -> str:
    """``problem`` (a word from :func:`os_problem`) in ``locale``; a code's name as it is."""
    key = f"errors.os_{problem}"
    return render(key, locale) if key in catalog(locale) else problem


def localised(key: str, locale: Locale, params: Mapping[str, object], name: str = "problem") -> str:
    """The sentence ``key`` with its ``name`` parameter, a problem word, in ``locale``."""
    shown = dict(params)
    if isinstance(shown.get(name), str):
        shown[name] = problem_text(str(shown[name]), locale)
    return render(key, locale, **shown)


class SaysOsProblem:
    """Put before an error type's base (``class VaultError(SaysOsProblem, KeyFileError)``):
    its ``problem`` parameter, a word from :func:`os_problem`, is then shown in the
    reader's language too."""

    key: str
    params: dict[str, object]

    def message(self, locale: Locale = DEFAULT_LOCALE) -> str:
        """The sentence in ``locale``, its problem word included."""
        return localised(self.key, locale, self.params)
