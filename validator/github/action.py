"""The Docker action: lint the revisions a pull request or push changes, report everywhere.

The exit code is the gate and depends on the lint result only; every GitHub write is
advisory, wrapped, and degrades to a warning (fork PRs, missing permissions, outages).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config import ConfigError, Settings, load
from ..discover import DiscoveryError, find, glob_files, revision_files
from . import commands, event as events, inputs as action_inputs, sources
from ..model import Report
from ..render import markdown as md, plural

ANNOTATIONS_SHOWN = 10  # per type per step; the rest stay in the log


@dataclass
class Plan:
    """What to lint: workspace paths and PR files read at the head commit."""

    changed: list[sources.ChangedFile] = field(default_factory=list)  # PR files from the API
    paths: list[str] = field(default_factory=list)  # read from the workspace
    nothing_changed: bool = False


class Action:
    def __init__(self, inputs, settings: Settings, event: events.Event, workspace: Path):
        self.inputs, self.settings, self.event, self.workspace = inputs, settings, event, workspace
        self.globs: tuple[str, ...] = ()  # which workspace paths are revisions: set by find_revisions()
        self.revisions: list[str] = []  # every revision file of the workspace
        self.environments: tuple = ()
        self.notes: list[str] = []
        self.repo = self.pull = None
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        run_id = os.environ.get("GITHUB_RUN_ID", "")
        self.run_url = f"{server}/{event.repository}/actions/runs/{run_id}" if run_id and event.repository else ""
        self.head = event.head_sha or event.after or os.environ.get("GITHUB_SHA", "")
        self.blob_url = f"{server}/{event.repository}/blob/{self.head}" if self.head and event.repository else ""

    def _adopt_verified_pull(self) -> None:
        """workflow_run: post only on a PR whose head is the commit the checked run saw."""
        from .writes import describe

        try:
            head, base = self.pull.head.sha, self.pull.base.sha
        except Exception as exc:  # noqa: BLE001
            head, base = None, ""
            self.warn(f"cannot read pull request #{self.event.pr_number} ({describe(exc)})")
        if head != self.event.head_sha:
            if head is not None:
                self.warn(f"pull request #{self.event.pr_number} is not at {self.event.head_sha[:7]}: nothing is posted")
            self.repo = self.pull = None
            return
        self.event = replace(self.event, base_sha=base)

    def _open_repo(self):
        from .client import connect

        return connect(self.inputs.token, os.environ.get("GITHUB_API_URL")).get_repo(self.event.repository)

    def warn(self, message: str) -> None:
        commands.warning(message)
        self.notes.append(message)

    # -- what to lint -------------------------------------------------------------------

    def find_revisions(self) -> str | None:
        """Where the revisions are (the ``paths`` input, ``include``, else discovery); a message when nowhere."""
        found = find(self.workspace, self.settings)
        self.environments = found.environments
        chosen = self.inputs.paths or self.settings.include
        try:
            if chosen:
                self.globs = tuple(chosen)
                self.revisions = glob_files(self.workspace, self.globs, self.settings.exclude)
            else:
                self.revisions = revision_files(found, self.settings)
                self.globs = found.globs()
                # a changed file in another database's history is no revision of this one
                self.settings = replace(self.settings, exclude=self.settings.exclude + found.skipped())
        except DiscoveryError as exc:
            return str(exc)
        return None

    def plan(self) -> Plan:
        if self.event.is_pull_request:
            return self._plan_pull_request()
        if self.inputs.check_all:
            return Plan(paths=list(self.revisions))
        base = self.event.before if self.event.name == "push" else "HEAD~1"
        # the compare API only when git cannot tell (the action's image has no git)
        open_repo = self._open_repo if self.event.name == "push" and self.inputs.token else None
        changed, why = sources.changed_since(self.workspace, base, self.event.after or "HEAD", open_repo)
        if changed is None:
            commands.notice(f"{why}: linting every revision")
            return Plan(paths=list(self.revisions))
        paths = [p for p in changed if sources.matches(p, self.globs, self.settings.exclude)]
        return Plan(paths=paths, nothing_changed=not paths)

    def _plan_pull_request(self) -> Plan:
        files = None
        if self.pull is not None and (self.event.changed_files or 0) <= sources.MAX_PR_FILES:
            try:
                files = sources.pr_files(self.pull)
            except Exception as exc:  # noqa: BLE001 - degrade, never crash
                from .writes import describe

                self.warn(f"cannot list the pull request's files ({describe(exc)}); using git instead")
        elif self.pull is not None:
            self.warn(f"the pull request changes over {sources.MAX_PR_FILES} files, more than the API lists")
        paths: list[str] = []
        if files is None:  # no API answer: git and the workspace are all there is
            changed = sources.git_changed(self.workspace, self.event.base_sha, self.event.head_sha)
            if changed is None:
                self.warn("cannot tell which files changed: linting every revision in the workspace")
                return Plan(paths=list(self.revisions))
            paths = [p for p in changed if sources.matches(p, self.globs, self.settings.exclude)]
            files = []
        revisions = sources.revisions_among(files, self.globs, self.settings.exclude)
        if self.inputs.check_all:
            taken = {f.path for f in revisions} | set(paths)
            paths += [p for p in self.revisions if p not in taken]
        return Plan(changed=revisions, paths=paths, nothing_changed=not revisions and not paths)

    # -- lint ---------------------------------------------------------------------------

    def lint(self, plan: Plan) -> Report:
        def fetch(path: str) -> bytes:
            return self.repo.get_contents(path, ref=self.event.head_sha).decoded_content

        read = []
        for changed in plan.changed:
            data, origin = sources.read_head(self.workspace, changed, fetch)
            if origin not in ("workspace", "api"):
                self.warn(f"{changed.path}: read from {origin}")
            read.append((changed.path, data))
        read += [(p, sources.read_workspace(self.workspace, p)) for p in plan.paths]
        if not read:
            return Report(files=(), findings=())
        from ..engine import lint_sources  # the parser's imports are the slow part of a start

        project = sources.project_files(self.workspace, self.revisions, [p for p, _ in read])
        added = [c.path for c in plan.changed if c.status == "added"]  # their tables are new to the lock rules
        return lint_sources(read, self.settings, project=project, environments=self.environments,
                            new_revisions=added, root=str(self.workspace))

    # -- report -------------------------------------------------------------------------

    def annotate(self, report: Report) -> None:
        from ..render import FORMATS

        text = FORMATS["github"](report)
        if text:
            print(text.rstrip("\n"), flush=True)
        s = report.summary
        if s.errors > ANNOTATIONS_SHOWN or s.warnings > ANNOTATIONS_SHOWN:
            commands.notice(
                f"{plural(s.errors, 'error')} and {plural(s.warnings, 'warning')}: GitHub shows {ANNOTATIONS_SHOWN} "
                "annotations of each kind per step; the job summary lists them all"
            )

    def write_sarif(self, report: Report) -> str:
        if not self.inputs.sarif_file:
            return ""
        from ..render import FORMATS

        target = Path(self.inputs.sarif_file)
        target = target if target.is_absolute() else self.workspace / target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(FORMATS["sarif"](report), encoding="utf-8")
        except OSError as exc:
            self.warn(f"cannot write the SARIF file: {exc.strerror or exc}")
            return ""
        return self.inputs.sarif_file

    def context(self, plan: Plan, notes=()) -> md.Context:
        return md.Context(
            head_sha=self.head, blob_url=self.blob_url, run_url=self.run_url,
            bypass_token=self.settings.bypass_token, notes=list(notes),
            nothing_changed=plan.nothing_changed,
        )

    def run(self) -> int:
        if self.event.is_pull_request and self.inputs.token:
            self.repo = self._open_repo()
            self.pull = self.repo.get_pull(self.event.pr_number)
            if self.event.verify_head:
                self._adopt_verified_pull()
        elif self.event.is_pull_request:
            self.warn("no github-token: reporting through annotations, the job summary and outputs only")
        if self.event.name == "workflow_run" and self.pull is None:
            # the commenting half of the fork pattern has nothing it may trust to comment on
            if not self.event.pr_number:
                self.warn("workflow_run without a pull request (set the pull-request input): nothing to do")
            commands.append_job_summary("## migration-guard\n\nNothing posted: " + md.text(" ".join(self.notes), 2000) + "\n")
            return 0
        problem = self.find_revisions()
        if problem is not None:  # a gate that cannot find what to check must not pass
            commands.error(problem)
            commands.append_job_summary("## migration-guard\n\nFailed: " + md.text(problem, 4000) + "\n")
            return 2
        plan = self.plan()
        report = self.lint(plan)
        failed = report.fails(self.settings.fail_on)
        self.annotate(report)
        s = report.summary
        commands.set_outputs({
            "errors": str(s.errors), "warnings": str(s.warnings), "bypassed": str(s.bypassed),
            "files-checked": str(s.files), "result": "fail" if failed else "pass",
            "sarif-file": self.write_sarif(report),
        })
        # from here on nothing may change the exit code: every surface is advisory
        try:
            if self.pull is not None:
                from .publish import publish

                publish(self.repo, self.pull, self.event, report, plan.changed, self.context(plan),
                        review_comments=self.inputs.review, summary_comment=self.inputs.comment,
                        fail_on=self.settings.fail_on, warn=self.warn)
        except Exception as exc:  # noqa: BLE001
            self.warn(f"could not publish to the pull request: {type(exc).__name__}: {exc}")
        try:
            summary = md.job_summary(report, self.context(plan, notes=self.notes), self.settings.fail_on,
                                        commands.JOB_SUMMARY_LIMIT)
            commands.append_job_summary(summary)
        except Exception as exc:  # noqa: BLE001
            commands.warning(f"could not write the job summary: {type(exc).__name__}: {exc}")
        commands.log(f"{s.errors} errors, {s.warnings} warnings, {s.bypassed} bypassed in "
                     f"{s.files} revision files: " + ("fail" if failed else "pass"))
        return 1 if failed else 0


def main() -> int:
    try:
        inputs = action_inputs.read()
        workspace = Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd())
        settings = load(inputs.config, workspace, fail_on=inputs.fail_on, downgrade=inputs.downgrade)
        event = events.load(
            os.environ.get("GITHUB_EVENT_NAME", ""), os.environ.get("GITHUB_EVENT_PATH"),
            os.environ.get("GITHUB_REPOSITORY", ""), inputs.pull_request,
        )
    except (action_inputs.InputError, ConfigError, events.EventError) as exc:
        commands.error(str(exc))
        return 2
    return Action(inputs, settings, event, workspace).run()
