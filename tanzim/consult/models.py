"""Diagnosis trees and drafting interviews (versioned data the Kanoon edits), their anonymous
step counters, interview runs and the citizen's reusable answers.

A tree or an interview is a name plus versions; a version is never edited once saved (a change
is a new version), so a run that started on version 3 finishes on version 3 and the content
report counts each version's steps apart.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanzim.common.i18n import bilingual
from tanzim.consult.choices import ProblemFamily


class Tree(models.Model):
    """A diagnosis for one problem family; ``published`` is the version the public runner uses."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    family = models.CharField(_("problem family"), max_length=20, choices=ProblemFamily.choices)
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position in the list"), default=100)
    published = models.ForeignKey(
        "consult.TreeVersion",
        verbose_name=_("published version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("diagnosis tree")
        verbose_name_plural = _("diagnosis trees")
        ordering = ["position", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(family__in=ProblemFamily.values), name="consult_tree_family_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return bilingual(self, "title")


class TreeVersion(models.Model):
    """One saved, validated version of a tree: nodes and their edges as JSON (see docs/consult.md)."""

    tree = models.ForeignKey(Tree, verbose_name=_("tree"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    node_count = models.PositiveIntegerField(_("nodes"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("tree version")
        verbose_name_plural = _("tree versions")
        ordering = ["tree", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tree", "number"], name="consult_tree_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="consult_tree_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.tree.slug} v{self.number}"


class StepStat(models.Model):
    """Anonymous counters per step of a tree version: how many reached it, answered it, picked
    "none of these" there. Drop-off = reached − answered − none of these. No person, no time."""

    version = models.ForeignKey(TreeVersion, on_delete=models.CASCADE, related_name="step_stats")
    node = models.CharField(_("step"), max_length=64)
    reached = models.PositiveBigIntegerField(_("reached"), default=0)
    answered = models.PositiveBigIntegerField(_("answered"), default=0)
    none_of_these = models.PositiveBigIntegerField(_("none of these"), default=0)

    class Meta:
        verbose_name = _("step counter")
        verbose_name_plural = _("step counters")
        constraints = [models.UniqueConstraint(fields=["version", "node"], name="consult_step_stat_unique")]

    def __str__(self) -> str:
        return f"{self.version} {self.node}"


class NonePath(models.Model):
    """How many people took the same path to a "none of these": where the content falls short."""

    version = models.ForeignKey(TreeVersion, on_delete=models.CASCADE, related_name="none_paths")
    path_key = models.CharField(max_length=64)  # sha256 of the path, hex
    path = models.JSONField(_("path"))  # the node keys from the start to the step left
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("“none of these” path")
        verbose_name_plural = _("“none of these” paths")
        constraints = [
            models.UniqueConstraint(fields=["version", "path_key"], name="consult_none_path_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version}: {' → '.join(self.path)}"


class Interview(models.Model):
    """A guided drafting interview that assembles one document (a complaint, a petition, a notice)."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    service_code = models.CharField(_("catalogue service"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position in the list"), default=100)
    published = models.ForeignKey(
        "consult.InterviewVersion",
        verbose_name=_("published version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("drafting interview")
        verbose_name_plural = _("drafting interviews")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return bilingual(self, "title")


class InterviewVersion(models.Model):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("interview version")
        verbose_name_plural = _("interview versions")
        ordering = ["interview", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "number"], name="consult_interview_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="consult_interview_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.interview.slug} v{self.number}"


class DraftRun(models.Model):
    """One person's answers to one interview: saved on every page, resumed by its token.

    Anonymous until the person signs in (``user`` is then set and the answers marked ``profile``
    are copied to their profile); ``finished_at`` and ``case`` once the document is made.
    """

    token = models.UUIDField(_("resume key"), default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(InterviewVersion, on_delete=models.PROTECT, related_name="runs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="draft_runs"
    )
    answers = models.JSONField(_("answers"), default=dict)
    page = models.PositiveSmallIntegerField(_("page reached"), default=0)
    reviewed = models.BooleanField(_("reviewed"), default=False)
    source_tree = models.CharField(_("from the diagnosis"), max_length=60, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("case draft"),
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("drafting run")
        verbose_name_plural = _("drafting runs")
        indexes = [models.Index(fields=["user", "-updated_at"], name="consult_run_by_user")]

    def __str__(self) -> str:
        return f"{self.version} · {self.token}"


class CitizenProfile(models.Model):
    """Answers a citizen gave once (name, national code, address…), reused by the next interview."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consult_profile"
    )
    data = models.JSONField(_("answers"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("citizen's saved answers")
        verbose_name_plural = _("citizens' saved answers")

    def __str__(self) -> str:
        return str(self.user)
