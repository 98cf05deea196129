"""Zoo networks against their published MAC and weight counts (REFERENCES.md)."""

import pytest

from workloads import Layer, LayerGraph, WorkloadError, load, zoo

# (network, published MACs, published weights, tolerance): He et al. 2016; Sandler et al. 2018;
# Simonyan & Zisserman 2015; Eyeriss JSSC 2017 (AlexNet conv 666 M MAC, 2.3 M weights).
PUBLISHED = [
    ("resnet18", 1.82e9, 11.7e6, 0.02),
    ("mobilenetv2", 300e6, 3.5e6, 0.02),
    ("vgg16", 15.5e9, 138e6, 0.02),
    ("alexnet", 666e6, 2.3e6, 0.02),
]


@pytest.mark.parametrize("name,macs,weights,tol", PUBLISHED)
def test_published_totals(name, macs, weights, tol):
    g = zoo.build(name)
    assert g.total_macs == pytest.approx(macs, rel=tol)
    assert g.total_weights == pytest.approx(weights, rel=tol)


def test_bert_base_encoder_macs():
    # 12 x (4 d^2 L + 2 d*ffn L + 2 L^2 d) with d=768, ffn=3072, L=128: derived by hand
    d, f, L = 768, 3072, 128
    assert zoo.build("bert_base").total_macs == 12 * (4 * d * d * L + 2 * d * f * L + 2 * L * L * d)


def test_graph_keeps_residual_structure():
    g = zoo.build("resnet18")
    preds = set(g.graph.predecessors("layer2.0.add"))
    assert preds == {"layer2.0.conv2", "layer2.0.downsample"}
    assert g.layers()[0].name == "conv1" and g.layers()[-1].name == "fc"


def test_batch_scales_macs_linearly():
    assert zoo.build("resnet18", n=4).total_macs == 4 * zoo.build("resnet18").total_macs


def test_layer_fields_and_validation():
    layer = Layer("c", "conv", k=64, c=32, oy=8, ox=8, fy=3, fx=3, groups=2)
    assert layer.macs == 64 * 16 * 8 * 8 * 9 and layer.weight_count == 64 * 16 * 9
    with pytest.raises(WorkloadError, match="groups=3 must divide"):
        Layer("c", "conv", k=64, c=32, groups=3)
    with pytest.raises(WorkloadError, match="'x': k must be a positive integer"):
        Layer("x", "conv", k=0)
    with pytest.raises(WorkloadError, match="duplicate layer name"):
        LayerGraph.from_layers("n", [Layer("a", "conv"), Layer("a", "conv")])


def test_unknown_network_message():
    with pytest.raises(WorkloadError, match="unknown network 'resnet19'; built-in networks: resnet18"):
        load("resnet19")


def test_attention_operands_are_not_parameters():
    layers = {layer.name: layer for layer in zoo.build("bert_base").compute_layers()}
    scores, query = layers["encoder.0.scores"], layers["encoder.0.query"]
    assert scores.weight_count == 128 * 64 and scores.param_count == 0 and scores.weight_bytes == 0
    assert query.weight_bytes == query.param_count * query.w_bits / 8 == 768 * 768
