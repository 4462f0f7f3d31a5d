"""A TensorFlow.js graph model (model.json + weight shards) to ONNX, without TensorFlow: for YOLOv5's own TF.js export.

Only the ops that export uses are translated; any other op stops the conversion naming it. TF tensors stay NHWC, as
in the source graph, so every axis, shape and constant keeps its meaning; Conv and MaxPool (NCHW in ONNX) are wrapped
in Transposes, most of which onnxruntime's optimiser removes. TF "SAME" padding becomes explicit pads (all SAME ops
in this graph have stride 1), the x2 nearest upsample a Resize, and an ellipsis StridedSlice a Slice on the last axis.
Checked once against TensorFlow running the same graph: max abs difference 4e-6 over the [1, 25200, 85] output.

`detect_heads=True` cuts the graph at the Detect layer's three convolutions (their raw [1, H/s, W/s, 255] outputs,
s = 8, 16, 32) and frees the input's height and width: only the Detect layer bakes 640 in (its Reshapes and grid and
anchor constants), every op before it works at any multiple of 32, so a 4:3 photo runs at 640x480, not 640x640 with a
quarter of grey. The caller decodes the heads (scene/yolov5_detector.py).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from echollama.errors import ModelError

OPSET = 17
_DTYPES = {"float32": np.float32, "int32": np.int32}
_TO_NCHW = [0, 3, 1, 2]
_TO_NHWC = [0, 2, 3, 1]
_INT64_MAX = np.iinfo(np.int64).max


def read_weights(folder: Path, manifest: list[dict]) -> dict[str, np.ndarray]:
    """The weights manifest's tensors, by name: each group's shards concatenated, then cut in manifest order."""
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        data = b"".join((folder / name).read_bytes() for name in group["paths"])
        offset = 0
        for entry in group["weights"]:
            if "quantization" in entry:
                raise ModelError(f"{entry['name']}: quantised TF.js weights are not supported")
            dtype = np.dtype(_DTYPES[entry["dtype"]])
            count = int(np.prod(entry["shape"], dtype=np.int64))
            end = offset + count * dtype.itemsize
            if end > len(data):
                raise ModelError(f"the weight shards in {folder} are shorter than model.json says (truncated?)")
            weights[entry["name"]] = np.frombuffer(data[offset:end], dtype=dtype).reshape(entry["shape"])
            offset = end
        if offset != len(data):
            raise ModelError(f"the weight shards in {folder} hold {len(data) - offset} bytes model.json does not name")
    return weights


def _text(attr: dict, key: str) -> str:
    return base64.b64decode(attr[key]["s"]).decode()


def _ints(attr: dict, key: str) -> list[int]:
    return [int(i) for i in attr[key]["list"].get("i", [])]


@dataclass
class _Builder:
    """The ONNX nodes and initialisers built so far; TF tensor names map to ONNX names ("node:0" -> "node")."""

    weights: dict[str, np.ndarray]
    nodes: list[Any] = field(default_factory=list)
    initializers: dict[str, Any] = field(default_factory=dict)
    counter: int = 0
    resize_sizes: dict[str, list[int]] = field(default_factory=dict)  # TF's [height, width] per resize

    def const(self, array: np.ndarray, hint: str) -> str:
        from onnx import numpy_helper

        self.counter += 1
        name = f"{hint}__const{self.counter}"
        self.initializers[name] = numpy_helper.from_array(np.ascontiguousarray(array), name)
        return name

    def node(self, op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def value(self, name: str) -> np.ndarray:
        """A constant input's value (shapes, perms, paddings, slice bounds are constants in this graph)."""
        name = name.split(":")[0]
        if name not in self.weights:
            raise ModelError(f"{name} is not a constant; this converter handles only constant shapes and bounds")
        return self.weights[name]


def _fused_conv(b: _Builder, name: str, inputs: list[str], attr: dict) -> None:
    fused = [base64.b64decode(s).decode() for s in attr["fused_ops"]["list"].get("s", [])]
    if fused != ["BiasAdd"] or _text(attr, "data_format") != "NHWC":
        raise ModelError(f"{name}: _FusedConv2D with {fused} in {_text(attr, 'data_format')} is not supported")
    kernel = b.value(inputs[1])  # HWIO
    strides, dilations = _ints(attr, "strides")[1:3], _ints(attr, "dilations")[1:3]
    pads = _same_pads(name, kernel.shape[:2], strides) if _text(attr, "padding") == "SAME" else [0, 0, 0, 0]
    weight = b.const(kernel.transpose(3, 2, 0, 1), name)  # OIHW
    bias = b.const(b.value(inputs[2]), name)
    nchw = b.node("Transpose", [_ref(inputs[0])], f"{name}__nchw", perm=_TO_NCHW)
    conv = b.node("Conv", [nchw, weight, bias], f"{name}__conv", strides=strides, dilations=dilations, pads=pads)
    b.node("Transpose", [conv], name, perm=_TO_NHWC)


def _same_pads(name: str, kernel: tuple[int, ...] | list[int], strides: list[int]) -> list[int]:
    if strides != [1, 1]:
        raise ModelError(f"{name}: SAME padding with strides {strides} is not supported")
    begins = [(k - 1) // 2 for k in kernel]
    ends = [k - 1 - begin for k, begin in zip(kernel, begins, strict=True)]
    return begins + ends


def _max_pool(b: _Builder, name: str, inputs: list[str], attr: dict) -> None:
    kernel, strides = _ints(attr, "ksize")[1:3], _ints(attr, "strides")[1:3]
    pads = _same_pads(name, kernel, strides) if _text(attr, "padding") == "SAME" else [0, 0, 0, 0]
    nchw = b.node("Transpose", [_ref(inputs[0])], f"{name}__nchw", perm=_TO_NCHW)
    pool = b.node("MaxPool", [nchw], f"{name}__pool", kernel_shape=kernel, strides=strides, pads=pads)
    b.node("Transpose", [pool], name, perm=_TO_NHWC)


def _resize_nearest(b: _Builder, name: str, inputs: list[str], attr: dict) -> None:
    if attr.get("align_corners", {}).get("b"):
        raise ModelError(f"{name}: align_corners resizing is not supported")
    # YOLOv5 upsamples by exactly 2 (nn.Upsample(scale_factor=2)); `convert` checks the inferred sizes against the
    # TF sizes. An exact x2: half-pixel centres and floor both give input index = output index // 2.
    b.resize_sizes[name] = [int(v) for v in b.value(inputs[1])]
    scales = b.const(np.array([1, 1, 2, 2], dtype=np.float32), name)
    nchw = b.node("Transpose", [_ref(inputs[0])], f"{name}__nchw", perm=_TO_NCHW)
    resized = b.node(
        "Resize",
        [nchw, "", scales],
        f"{name}__resize",
        mode="nearest",
        coordinate_transformation_mode="asymmetric",
        nearest_mode="floor",
    )
    b.node("Transpose", [resized], name, perm=_TO_NHWC)


def _strided_slice(b: _Builder, name: str, inputs: list[str], attr: dict) -> None:
    """`x[..., begin:end:step]`: the ellipsis form YOLOv5's Detect head uses, as a Slice on the last axis."""
    masks = {key: int(attr.get(key, {}).get("i", 0)) for key in ("ellipsis_mask", "new_axis_mask", "shrink_axis_mask")}
    begin, end, step = (b.value(i) for i in inputs[1:4])
    if masks != {"ellipsis_mask": 1, "new_axis_mask": 0, "shrink_axis_mask": 0} or len(begin) != 2:
        raise ModelError(f"{name}: only x[..., a:b] strided slices are supported")
    end_mask, begin_mask = int(attr.get("end_mask", {}).get("i", 0)), int(attr.get("begin_mask", {}).get("i", 0))
    start = 0 if begin_mask & 2 else int(begin[1])
    stop = _INT64_MAX if end_mask & 2 else int(end[1])
    bounds = [b.const(np.array([v], dtype=np.int64), name) for v in (start, stop, -1, int(step[1]))]
    b.node("Slice", [_ref(inputs[0]), *bounds], name)


def _pad(b: _Builder, name: str, inputs: list[str], attr: dict) -> None:
    paddings = b.value(inputs[1]).astype(np.int64)  # [[before, after], ...] per axis
    pads = b.const(np.concatenate([paddings[:, 0], paddings[:, 1]]), name)
    b.node("Pad", [_ref(inputs[0]), pads], name, mode="constant")


def _simple(op: str) -> Callable[[_Builder, str, list[str], dict], None]:
    def translate(b: _Builder, name: str, inputs: list[str], attr: dict) -> None:
        b.node(op, [_ref(i) for i in inputs], name)

    return translate


def _square(b: _Builder, name: str, inputs: list[str], attr: dict) -> None:
    b.node("Mul", [_ref(inputs[0]), _ref(inputs[0])], name)


def _concat(b: _Builder, name: str, inputs: list[str], attr: dict) -> None:
    axis = int(b.value(inputs[-1]))
    b.node("Concat", [_ref(i) for i in inputs[:-1]], name, axis=axis)


def _reshape(b: _Builder, name: str, inputs: list[str], attr: dict) -> None:
    shape = b.const(b.value(inputs[1]).astype(np.int64), name)
    b.node("Reshape", [_ref(inputs[0]), shape], name)


def _transpose(b: _Builder, name: str, inputs: list[str], attr: dict) -> None:
    b.node("Transpose", [_ref(inputs[0])], name, perm=[int(v) for v in b.value(inputs[1])])


def _mul_or_add(op: str) -> Callable[[_Builder, str, list[str], dict], None]:
    """Binary ops whose operand may be a weight: the weight becomes an initialiser under its own name."""

    def translate(b: _Builder, name: str, inputs: list[str], attr: dict) -> None:
        b.node(op, [_operand(b, i) for i in inputs], name)

    return translate


def _operand(b: _Builder, tensor: str) -> str:
    name = _ref(tensor)
    if name in b.weights and name not in b.initializers:
        from onnx import numpy_helper

        b.initializers[name] = numpy_helper.from_array(np.ascontiguousarray(b.weights[name]), name)
    return name


def _ref(tensor: str) -> str:
    return tensor.split(":")[0]


_TRANSLATORS: dict[str, Callable[[_Builder, str, list[str], dict], None]] = {
    "_FusedConv2D": _fused_conv,
    "MaxPool": _max_pool,
    "ResizeNearestNeighbor": _resize_nearest,
    "StridedSlice": _strided_slice,
    "Pad": _pad,
    "Sigmoid": _simple("Sigmoid"),
    "Identity": _simple("Identity"),
    "Mul": _mul_or_add("Mul"),
    "Add": _mul_or_add("Add"),
    "AddV2": _mul_or_add("Add"),
    "Square": _square,
    "ConcatV2": _concat,
    "Reshape": _reshape,
    "Transpose": _transpose,
}


def graph_nodes(model_json: dict) -> list[dict]:
    """The graph's computing nodes (not constants or the input placeholder), in file order (already topological)."""
    return [n for n in model_json["modelTopology"]["node"] if n["op"] not in ("Const", "Placeholder")]


def detect_head_convs(nodes: list[dict]) -> list[str]:
    """The Detect layer's three convolutions (strides 8, 16, 32, in file order): the last ops whose outputs do not
    depend on the input size's being 640."""
    heads = [n["name"] for n in nodes if n["op"] == "_FusedConv2D" and "/tf_detect/" in n["name"]]
    if len(heads) != 3:
        raise ModelError(f"expected YOLOv5's 3 Detect convolutions, found {len(heads)}: not YOLOv5's TF.js export")
    return heads


def _needed_by(nodes: list[dict], outputs: list[str]) -> list[dict]:
    """The nodes `outputs` depend on, in file order."""
    by_name = {n["name"]: n for n in nodes}
    needed, stack = set(), list(outputs)
    while stack:
        name = stack.pop()
        if name in by_name and name not in needed:
            needed.add(name)
            stack.extend(_ref(i) for i in by_name[name].get("input", []))
    return [n for n in nodes if n["name"] in needed]


def convert(
    folder: Path, progress: Callable[[Iterator[dict]], Iterator[dict]] | None = None, detect_heads: bool = False
) -> Any:
    """The ONNX ModelProto for the TF.js graph model in `folder` (model.json + its shards); `progress` wraps the loop.
    `detect_heads`: YOLOv5's three raw head outputs, any input height and width (see the module's docstring)."""
    import onnx
    from onnx import TensorProto, helper

    model_json = json.loads((folder / "model.json").read_text())
    signature = model_json["signature"]
    weights = read_weights(folder, model_json["weightsManifest"])
    builder = _Builder(weights)
    nodes = graph_nodes(model_json)
    heads = detect_head_convs(nodes) if detect_heads else []
    if heads:
        nodes = _needed_by(nodes, heads)
    for node in progress(iter(nodes)) if progress else nodes:
        translate = _TRANSLATORS.get(node["op"])
        if translate is None:
            raise ModelError(f"{node['name']}: TF op {node['op']} is not supported by this converter")
        translate(builder, node["name"], node.get("input", []), node.get("attr", {}))
    (input_name, input_spec), *_ = signature["inputs"].items()
    (output_name, output_spec), *_ = signature["outputs"].items()
    inputs = [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, _dims(input_spec))]
    outputs = [helper.make_tensor_value_info(_ref(output_spec["name"]), TensorProto.FLOAT, _dims(output_spec))]
    if heads:
        outputs = [helper.make_tensor_value_info(head, TensorProto.FLOAT, [1, None, None, None]) for head in heads]
    graph = helper.make_graph(builder.nodes, output_name, inputs, outputs, list(builder.initializers.values()))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="echollama")
    model.ir_version = 8  # opset 17's IR version: runs on any onnxruntime >= 1.13
    _check_resizes(model, builder.resize_sizes)  # at the TF graph's own 640x640, where its sizes are known
    if heads:
        dims = model.graph.input[0].type.tensor_type.shape.dim
        dims[1].dim_param, dims[2].dim_param = "height", "width"  # NHWC; setting dim_param clears the 640
    onnx.checker.check_model(model, full_check=True)  # the model as written, once
    return model


def _check_resizes(model: Any, expected: dict[str, list[int]]) -> None:
    """Each x2 Resize gives the [height, width] the TF graph asked for (else the graph is not YOLOv5's)."""
    import onnx

    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {
        value.name: [d.dim_value for d in value.type.tensor_type.shape.dim] for value in inferred.graph.value_info
    }
    for name, size in expected.items():
        if shapes.get(name, [0, 0, 0, 0])[1:3] != size:
            raise ModelError(f"{name}: the upsample is not x2 to {size} (inferred {shapes.get(name)})")


def _dims(spec: dict) -> list[int]:
    return [int(d["size"]) for d in spec["tensorShape"]["dim"]]
