"""Reads for the returns: the census data-quality list."""

from dataclasses import dataclass

from returns.census import CensusChild, CensusYear, Problem, census_children, census_problems


@dataclass
class ChildProblems:
    child: CensusChild
    problems: list[Problem]

    @property
    def errors(self) -> int:
        return sum(problem.severity == "ERROR" for problem in self.problems)


def census_quality(year: int) -> list[ChildProblems]:
    """The children whose records the DfE's rules would reject or query, errors first."""
    period = CensusYear(year)
    rows = []
    for child in census_children(year):
        problems = census_problems(child, period)
        if problems:
            rows.append(ChildProblems(child, problems))
    rows.sort(key=lambda row: (-row.errors, row.child.person.pk))
    return rows
