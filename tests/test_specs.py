"""The vendor specifications copied into tests/specs are each attributed in its README."""

from tests.doubles.schemas import SCHEMAS


def test_every_copied_specification_is_named_in_the_specs_readme() -> None:
    readme = (SCHEMAS / "README.md").read_text()
    copied = sorted(SCHEMAS.rglob("*.json"))
    assert copied
    assert [p.relative_to(SCHEMAS) for p in copied if p.name not in readme] == []
