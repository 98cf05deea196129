import pytest

from workloads import WorkloadError, zoo
from workloads.precision import BitsOverride, PrecisionOverrides


def test_default_then_pattern_overrides_apply_in_order():
    ov = PrecisionOverrides(BitsOverride(w=4, a=8), (("layer3.*", BitsOverride(w=2)), ("fc", BitsOverride(a=16))))
    g = ov.apply(zoo.build("resnet18"))
    by = {layer.name: layer for layer in g.compute_layers()}
    assert (by["conv1"].w_bits, by["conv1"].a_bits) == (4, 8)
    assert (by["layer3.1.conv2"].w_bits, by["layer3.1.conv2"].a_bits) == (2, 8)
    assert (by["fc"].w_bits, by["fc"].a_bits) == (4, 16)
    assert ov.pinned(g) == {n for n in by if n.startswith("layer3.")} | {"fc"}


def test_pattern_matching_nothing_is_an_error():
    with pytest.raises(WorkloadError, match="pattern 'layer9.*' matches no compute layer"):
        PrecisionOverrides((), (("layer9.*", BitsOverride(w=2)),)).apply(zoo.build("resnet18"))


@pytest.mark.parametrize("raw,msg", [({"w": 0}, "integer bit width"), ({"x": 4}, "unknown key"),
                                     ({"w": True}, "integer bit width"), (4, "expected a mapping")])
def test_bad_override(raw, msg):
    with pytest.raises(WorkloadError, match=msg):
        BitsOverride.parse(raw, "precision.default")
