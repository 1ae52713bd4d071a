"""The variant cache's packed format (grader/verdict/packed_values.py): the same values back,
and the plain cache files of another grader version still read."""

import math

import torch

from grader.verdict.packed_values import pack, unpack
from grader.verdict.variant_cache import load_cached, save_cached


def same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return type(b) is torch.Tensor and a.dtype == b.dtype and a.shape == b.shape and \
            torch.equal(torch.nan_to_num(a) if a.is_floating_point() else a,
                        torch.nan_to_num(b) if b.is_floating_point() else b) and \
            (not a.is_floating_point() or torch.equal(a.isnan(), b.isnan()))
    if isinstance(a, dict):
        return type(b) is dict and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b


def a_table():
    wide = torch.arange(12.0).reshape(3, 4)
    return {"format": 3, "cases": ["a", "b"], "descriptions": ("x", "y"),
            "outputs": {"a": [torch.randn(2, 3), None, torch.tensor(float("nan"))],
                        "b": [wide.t(), torch.zeros(0, 5, dtype=torch.float64)]},
            "kinds": [torch.tensor([True, False]), torch.arange(5, dtype=torch.int8), torch.ones(3, dtype=torch.bfloat16),
                      torch.tensor([1 + 2j], dtype=torch.complex64), torch.tensor(7, dtype=torch.int64)],
            ("a", 1): {"~not a marker": 1.5, "nan": float("nan"), "big": 2 ** 70},
            "tuple-keyed": {(1, ("x", 2)): "v"}}


def test_a_packed_value_comes_back_the_same_with_its_types_and_dtypes():
    table = a_table()
    back = unpack(pack(table))
    assert same(back, table)
    assert back["outputs"]["b"][0].is_contiguous()  # a copy of its own, not a view of the buffer
    back["outputs"]["a"][0].add_(1)
    assert not torch.equal(back["outputs"]["a"][0], table["outputs"]["a"][0])


def test_what_cannot_be_kept_exactly_is_not_packed():
    assert pack({"w": torch.ones(2, requires_grad=True)}) is None
    assert pack({"p": torch.nn.Parameter(torch.ones(2))}) is None
    assert pack({"s": {1, 2}}) is None
    assert pack({"d": torch.float32}) is None


def test_the_cache_reads_a_plain_file_then_its_packed_copy_and_survives_a_broken_one(tmp_path):
    plain = tmp_path / "t-outputs.pt"
    table = a_table()
    torch.save(table, plain)  # what an older grader wrote
    assert same(load_cached(plain), table)
    packed = tmp_path / "t-outputs.packed.pt"
    assert packed.exists() and plain.exists()  # packed beside it; the plain file stays for the other version
    plain.unlink()
    assert same(load_cached(plain), table)  # now from the packed copy alone
    packed.write_bytes(b"half a file")
    assert load_cached(plain) is None  # nothing readable: the caller recomputes
    save_cached(plain, table)
    assert same(load_cached(plain), table) and not plain.exists()


def test_the_trusted_reader_checks_every_entry_as_the_childs_does():
    """One layout and one reader for the variant cache and a child's result
    (grader/sandbox/packed_layout.py): a cache file whose layout lies is refused, never read
    out of bounds, whoever wrote it."""
    import json

    import pytest

    packed = pack(a_table())
    layout = json.loads(packed["layout"])
    for lie in ([["float32", [1 << 20, 1 << 20], 0]], [["float32", [2], 4]], [["object", [1], 0]],
                [["float32", [-1], 0]], [["float32", [2 ** 70, 0], 0]], [layout[0][:2]],
                [["float32", [len(packed["bytes"])], 0]]):
        with pytest.raises(ValueError):
            unpack({**packed, "layout": json.dumps(lie)})
    with pytest.raises(ValueError):
        unpack({**packed, "json": json.dumps({"~t": len(layout)})})
    with pytest.raises(ValueError):
        unpack({**packed, "json": json.dumps([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]])})


def test_a_childs_packed_result_and_the_cache_share_one_layout():
    """The bytes a child's result is made of read back through the cache's reader, and the
    other way round (tuples and non-string keys aside, which plain() turns into lists and
    markers for a child)."""
    import json
    import struct

    from grader.sandbox import packed_layout, wire

    value = {"output": torch.randn(3, 4), "kinds": [torch.tensor([True]), torch.arange(3, dtype=torch.int16)],
             "~t": 1, "nan": float("nan")}
    raw = wire.dump_plain(value)
    (size,) = struct.unpack_from("!Q", raw, len(wire.PACKED_MAGIC))
    head_at = len(wire.PACKED_MAGIC) + 8
    head = json.loads(raw[head_at:head_at + size])
    start = head_at + size + (-(head_at + size) % packed_layout.ALIGN)
    blob = torch.frombuffer(bytearray(raw[start:]), dtype=torch.uint8)
    as_cache = {"format": "packed-values-1", "json": json.dumps(head["v"]), "layout": json.dumps(head["t"]),
                "bytes": blob}
    assert same(unpack(as_cache), value)
    assert same(wire.load_value(raw), value)
