"""Versioned reference data: where a reporter can go besides us, and what a report is about.

Both lists ship as JSON in :mod:`intermediary.data` so the words a reporter
reads are reviewed like code and dated (``version``, ``last_verified``): phone
numbers and remits of outside bodies change, and a counsellor must be able to
see how old the advice is. An organisation can ship its own file instead; it
is validated exactly like the packaged one, and every problem with it is a
:class:`~intermediary.errors.ConfigError` naming the file.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from intermediary.errors import ConfigError

__all__ = [
    "Category",
    "CategoryGroup",
    "CategoryList",
    "Localised",
    "ReferralBody",
    "ReferralDirectory",
    "load_categories",
    "load_referrals",
]

#: the groups a category belongs to: Arbowet psychosocial risks, the BIOS
#: integrity typology, a Wbk wrongdoing of public interest, or none of these
CategoryGroup = Literal["behaviour", "integrity", "wrongdoing", "other"]

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_REFERRAL_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_CATEGORY_SLUG = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"
_M = TypeVar("_M", bound=BaseModel)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localised(_Frozen):
    """One text in every supported language, so no reader ever gets a blank."""

    en: _Text
    nl: _Text

    def get(self, locale: str) -> str:
        """The text in ``locale``; English for a language we do not have."""
        return self.nl if locale == "nl" else self.en


def _unique(slugs: tuple[str, ...]) -> None:
    seen: set[str] = set()
    for slug in slugs:
        if slug in seen:
            raise ValueError(f"the slug {slug!r} is used more than once")
        seen.add(slug)


class ReferralBody(_Frozen):
    """An outside body a counsellor can refer a reporter to, and what to expect there."""

    slug: str = Field(pattern=_REFERRAL_SLUG)
    name: Localised
    #: what the body deals with
    handles: Localised
    #: whether, and how far, the reporter can stay anonymous there
    anonymous: Localised
    #: public website and, where well known, phone number
    contact: Localised
    #: when these facts were last checked against the body's own information
    last_verified: date
    #: the word a counsellor types for it in each language (``!refer CASE hvk-advies``);
    #: the slug when there is none. Its slug and names are accepted as well.
    word: Localised | None = None

    def word_in(self, locale: str) -> str:
        """The word to type for this body in ``locale``."""
        return self.word.get(locale) if self.word is not None else self.slug


class ReferralDirectory(_Frozen):
    """The referral bodies on offer; slugs are how cases and configs name them."""

    version: _Text
    bodies: tuple[ReferralBody, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_slugs(self) -> ReferralDirectory:
        _unique(self.slugs)
        return self

    @property
    def slugs(self) -> tuple[str, ...]:
        """Every body's slug, in the file's order."""
        return tuple(body.slug for body in self.bodies)

    def get(self, slug: str) -> ReferralBody | None:
        """The body called ``slug``, or None (an old case may name a removed body)."""
        return next((body for body in self.bodies if body.slug == slug), None)


class Category(_Frozen):
    """What a report is about, as the reporter chooses it."""

    slug: str = Field(pattern=_CATEGORY_SLUG)
    group: CategoryGroup
    name: Localised


class CategoryList(_Frozen):
    """The categories on offer; always including ``unknown`` so nobody has to choose."""

    version: _Text
    categories: tuple[Category, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_slugs(self) -> CategoryList:
        _unique(self.slugs)
        if "unknown" not in self.slugs:
            raise ValueError("the category 'unknown' is missing; a reporter may not want to say")
        return self

    @property
    def slugs(self) -> tuple[str, ...]:
        """Every category's slug, in the file's order."""
        return tuple(category.slug for category in self.categories)

    def get(self, slug: str) -> Category | None:
        """The category called ``slug``, or None."""
        return next((c for c in self.categories if c.slug == slug), None)


def _load(source: Traversable, model: type[_M]) -> _M:
    try:
        raw = json.loads(source.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError("errors.config", detail=f"there is no file {source}") from None
    except (OSError, UnicodeDecodeError) as error:
        detail = f"{source} cannot be read ({error.__class__.__name__})"
        raise ConfigError("errors.config", detail=detail) from None
    except json.JSONDecodeError as error:
        raise ConfigError("errors.config", detail=f"{source} is not valid JSON: {error}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        problem = f"{where}: {first['msg']}" if where else first["msg"]
        raise ConfigError("errors.config", detail=f"{source}: {problem}") from None


def _packaged(name: str) -> Traversable:
    return resources.files("intermediary.data").joinpath(name)


@cache
def _default_referrals() -> ReferralDirectory:
    return _load(_packaged("referrals.json"), ReferralDirectory)


@cache
def _default_categories() -> CategoryList:
    return _load(_packaged("categories.json"), CategoryList)


def load_referrals(path: Path | None = None) -> ReferralDirectory:
    """The referral directory: the packaged one, or an organisation's own file at ``path``.

    Only the packaged default is cached; an organisation's file is read each
    time, so an edited file is seen without a restart.
    """
    return _default_referrals() if path is None else _load(path, ReferralDirectory)


def load_categories(path: Path | None = None) -> CategoryList:
    """The report categories: the packaged list, or an organisation's own file at ``path``."""
    return _default_categories() if path is None else _load(path, CategoryList)
