from __future__ import annotations

import pytest

import fengqiao as fq
from fengqiao.domain.dossier import HANDOVER_PAPERS


def test_the_two_notices_and_one_letter_are_the_handover_papers() -> None:
    assert frozenset(HANDOVER_PAPERS) == {
        fq.DossierKind.POLICE_MEDIATION_NOTICE,
        fq.DossierKind.JOINT_HANDLING_NOTICE,
        fq.DossierKind.MEDIATION_ENTRUSTMENT,
    }


def test_the_handover_section_reads_liang_shu_yi_han() -> None:
    assert fq.DossierSection.HANDOVER.label("zh") == "两书一函"


@pytest.mark.parametrize(
    ("kind", "section", "volume"),
    [
        (fq.DossierKind.ALERT_RECORD, fq.DossierSection.SOURCE, fq.Volume.A),
        (fq.DossierKind.INQUIRY_RECORD, fq.DossierSection.EVIDENCE, fq.Volume.A),
        (fq.DossierKind.BOUNDARY_PROOF, fq.DossierSection.EVIDENCE, fq.Volume.A),
        (fq.DossierKind.JOINT_HANDLING_NOTICE, fq.DossierSection.HANDOVER, fq.Volume.A),
        (fq.DossierKind.FOLLOW_UP_RECORD, fq.DossierSection.FOLLOW_UP, fq.Volume.A),
        (fq.DossierKind.MEDIATION_AGREEMENT, fq.DossierSection.RESULT, fq.Volume.A),
        (fq.DossierKind.COURT_CONFIRMATION, fq.DossierSection.RESULT, fq.Volume.A),
        (fq.DossierKind.HOUSEHOLD_INFO, fq.DossierSection.PARTIES, fq.Volume.B),
        (fq.DossierKind.STANDARD_ADDRESS, fq.DossierSection.REGISTRATION, fq.Volume.B),
        (fq.DossierKind.REAL_UNITS, fq.DossierSection.REGISTRATION, fq.Volume.B),
        (fq.DossierKind.ANTI_FRAUD, fq.DossierSection.PUBLICITY, fq.Volume.B),
        (fq.DossierKind.HELMET_SEATBELT, fq.DossierSection.PUBLICITY, fq.Volume.B),
        (fq.DossierKind.SUPERVISION_NOTICE, fq.DossierSection.SUPERVISION, fq.Volume.OTHER),
        (fq.DossierKind.OTHER, fq.DossierSection.OTHER, fq.Volume.OTHER),
    ],
)
def test_a_kind_is_filed_in_its_section_and_volume(
    kind: fq.DossierKind, section: fq.DossierSection, volume: fq.Volume
) -> None:
    assert kind.section is section
    assert kind.section.volume is volume


def test_every_kind_has_a_section_and_every_section_a_volume() -> None:
    for kind in fq.DossierKind:
        assert isinstance(kind.section.volume, fq.Volume)


def test_every_section_holds_at_least_one_kind() -> None:
    assert {kind.section for kind in fq.DossierKind} == set(fq.DossierSection)


def test_an_item_is_filed_under_its_kind_section() -> None:
    item = fq.DossierItem(kind=fq.DossierKind.MEDIATION_ENTRUSTMENT, title="委托调解函", reference="YJ-2024-01")
    assert item.section is fq.DossierSection.HANDOVER


def test_an_item_accepts_a_kind_value_string() -> None:
    item = fq.DossierItem(kind="anti_drug")
    assert item.kind is fq.DossierKind.ANTI_DRUG


def test_an_item_of_an_unknown_kind_is_refused_with_path_kind() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.DossierItem(kind="selfie")
    assert info.value.path == "kind"
    assert "joint_handling_notice" in info.value.message


def test_an_item_title_must_be_text() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.DossierItem(kind=fq.DossierKind.OTHER, title=None)  # type: ignore[arg-type]
    assert info.value.path == "title"
