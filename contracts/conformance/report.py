"""Results of a conformance run: the readable summary and JUnit XML, with secrets and signs masked."""

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from contracts.signing import MASK


class Outcome(Enum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


@dataclass
class CheckResult:
    conformance_class: str
    name: str
    description: str
    outcome: Outcome
    message: str = ""
    evidence: list[str] = field(default_factory=list)


class Redactor:
    """Replaces the secret and every sign the run sent with a mask before anything is printed."""

    def __init__(self, secret: str) -> None:
        self.hidden: set[str] = {secret}

    def hide(self, text: str) -> None:
        if text:
            self.hidden.add(text)

    def __call__(self, text: str) -> str:
        # Longest first, so a sign that contains another hidden string is masked whole.
        for value in sorted(self.hidden, key=len, reverse=True):
            text = text.replace(value, MASK)
        return text


@dataclass
class Report:
    results: list[CheckResult]
    classes: tuple[str, ...]

    @property
    def failed(self) -> bool:
        return any(result.outcome is Outcome.FAIL for result in self.results)

    def class_outcome(self, name: str) -> Outcome:
        outcomes = {result.outcome for result in self.results if result.conformance_class == name}
        if Outcome.FAIL in outcomes:
            return Outcome.FAIL
        if outcomes == {Outcome.SKIP} or not outcomes:
            return Outcome.SKIP
        return Outcome.PASS

    def failing_classes(self) -> set[str]:
        return {name for name in self.classes if self.class_outcome(name) is Outcome.FAIL}

    def summary(self) -> str:
        lines = []
        for name in self.classes:
            results = [result for result in self.results if result.conformance_class == name]
            passed = sum(result.outcome is Outcome.PASS for result in results)
            lines.append(f"{name:<12} {self.class_outcome(name).name}  ({passed} of {len(results)} checks passed)")
            for result in results:
                lines.append(f"  {result.outcome.name:<4}  {result.name}: {result.description}")
                if result.message:
                    lines.append(f"        {result.message}")
                for item in result.evidence:
                    lines.append(f"        request: {item}")
        total = len(self.results)
        failed = sum(result.outcome is Outcome.FAIL for result in self.results)
        skipped = sum(result.outcome is Outcome.SKIP for result in self.results)
        lines.append(f"{total} checks: {total - failed - skipped} passed, {failed} failed, {skipped} skipped")
        return "\n".join(lines)

    def junit_xml(self) -> bytes:
        root = ElementTree.Element("testsuites", name="partystar-contract")
        for name in self.classes:
            results = [result for result in self.results if result.conformance_class == name]
            suite = ElementTree.SubElement(
                root,
                "testsuite",
                name=name,
                tests=str(len(results)),
                failures=str(sum(r.outcome is Outcome.FAIL for r in results)),
                skipped=str(sum(r.outcome is Outcome.SKIP for r in results)),
            )
            for result in results:
                _add_case(suite, result)
        ElementTree.indent(root)
        return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _add_case(suite: ElementTree.Element, result: CheckResult) -> None:
    case = ElementTree.SubElement(suite, "testcase", classname=result.conformance_class, name=result.name)
    detail = "\n".join([result.message, *(f"request: {item}" for item in result.evidence)])
    if result.outcome is Outcome.FAIL:
        ElementTree.SubElement(case, "failure", message=result.message).text = detail
    elif result.outcome is Outcome.SKIP:
        ElementTree.SubElement(case, "skipped", message=result.message)
    ElementTree.SubElement(case, "system-out").text = detail or result.description


def redact_results(results: Iterable[CheckResult], redact: Redactor) -> list[CheckResult]:
    return [
        CheckResult(
            result.conformance_class,
            result.name,
            result.description,
            result.outcome,
            redact(result.message),
            [redact(item) for item in result.evidence],
        )
        for result in results
    ]
