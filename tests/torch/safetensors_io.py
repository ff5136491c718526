"""A minimal safetensors reader and writer for the tests (Debian has no python safetensors
package): F32 tensors and I64 scalars, the header's __metadata__ apart."""
import json
import struct

import torch


def read_safetensors(path):
    """{name: tensor}, metadata"""
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, v in header.items():
        begin, end = v["data_offsets"]
        dtype = {"F32": torch.float32, "I64": torch.int64}[v["dtype"]]
        out[name] = torch.frombuffer(bytearray(b[8 + n + begin:8 + n + end]), dtype=dtype).reshape(v["shape"])
    return out, meta


def write_safetensors(path, state, metadata=None):
    """F32 tensors and I64 scalars, data in the order of state"""
    header, blobs, off = {"__metadata__": metadata or {"format": "pt"}}, [], 0
    for name, t in state.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    h = json.dumps(header).encode()
    h += b" " * (-(8 + len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
