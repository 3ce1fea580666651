"""Seeds for the vgg19_weights fuzz target: small weight files of both formats users convert
(the real VGG19 files are 548 MB), each with some of VGG19's encoder names and shapes, so that
a mutation reaches the archive, pickle and HDF5 readers and the shape checks behind them.

    python make_seeds.py OUT_DIR        (needs torch and h5py: the project's .venv)
"""
import collections
import os
import sys

import h5py
import numpy as np
import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)


def tensor(*shape):
    return torch.from_numpy(rng.standard_normal(shape, dtype=np.float32))


# torchvision: the first convolution right, then one of the wrong shape / an unknown name
first = collections.OrderedDict(
    [("features.0.weight", tensor(64, 3, 3, 3)), ("features.0.bias", tensor(64))])
torch.save(first, f"{out}/torchvision-first-conv.pth")
torch.save({"features.0.weight": tensor(4, 3, 3, 3), "classifier.6.bias": tensor(3)},
           f"{out}/torchvision-misshaped.pth")
torch.save({"0.weight": tensor(2, 3, 1, 1), "0.bias": tensor(2), "decoder.1": tensor(1)},
           f"{out}/torchvision-features-module.pth")
# a non-contiguous (transposed) tensor and an integer one: strides and storage kinds
torch.save({"features.2.weight": tensor(3, 3, 8, 8).transpose(0, 1),
            "features.2.bias": torch.arange(8, dtype=torch.int64)},
           f"{out}/torchvision-strided.pth")

# Keras HDF5 (HWIO kernels)
with h5py.File(f"{out}/keras-first-conv.h5", "w") as f:
    f.attrs["layer_names"] = [b"input_1", b"block1_conv1"]
    f.create_group("input_1")
    g = f.create_group("block1_conv1")
    g.create_dataset("block1_conv1_W_1:0", data=rng.standard_normal((3, 3, 3, 64), dtype=np.float32))
    g.create_dataset("block1_conv1_b_1:0", data=rng.standard_normal(64, dtype=np.float32))
with h5py.File(f"{out}/keras-chunked.h5", "w") as f:
    f.attrs["layer_names"] = [b"block1_conv1", b"block1_conv2"]
    for name in ("block1_conv1", "block1_conv2"):
        g = f.create_group(name)
        g.create_dataset(f"{name}/kernel:0", data=rng.standard_normal((3, 3, 3, 4), dtype=np.float32),
                         chunks=(3, 3, 3, 2), compression="gzip")
        g.create_dataset(f"{name}/bias:0", data=rng.standard_normal(4, dtype=np.float32))
# the newer format generation (superblock 3, version 2 object headers, links in the header)
with h5py.File(f"{out}/keras-latest.h5", "w", libver="latest") as f:
    g = f.create_group("block1_conv1")
    g.create_dataset("kernel:0", data=rng.standard_normal((3, 3, 3, 64), dtype=np.float32))
    g.create_dataset("bias:0", data=rng.standard_normal(64).astype(">f8"))
