"""Independent NumPy reference of bs-preprocess (Section 3.3) and the Otsu three-class mask.

Used by the Rust tests (exact comparison) and by the benchmark (same steps, timed in Python).
Defaults mirror `PrepareConfig::default()`; the documentation of the Rust crate explains them.

    python prepare_reference.py compare OUTDIR DICOM...     # images.npy, nm.npy + gains (JSON) for the test
    python prepare_reference.py bench REPEATS DICOM...     # seconds per scan, printed as JSON
"""
import json
import sys
import time

import numpy as np
import pydicom
from skimage.filters import threshold_otsu

CUT_ROWS, CUT_COLS, KEEP_ROWS = 950, 256, 640
FRACTION_OF_MEAN, MIN_PIXELS, MIN_RUN = 0.25, 3, 4
LOW, HIGH, TARGET, CLIP, TOL, MAX_IT = 7.0, 14.0, 10.5, 255.0, 0.05, 64


def span(profile):
    on = np.concatenate([[False], profile >= MIN_PIXELS, [False]])
    edges = np.flatnonzero(np.diff(on.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    keep = (ends - starts) >= MIN_RUN
    if not keep.any():
        raise ValueError("blank view")
    return int(starts[keep][0]), int(ends[keep][-1])


def centre_shift(start, length, target, keep_start):
    if length <= target:
        return (target - length) // 2 - start
    return -start if keep_start else -(start + (length - target) // 2)


def quantise(x, gain):
    y = np.clip(x.astype(np.float64) * gain, 0.0, CLIP).astype(np.float32)
    return np.floor(y.astype(np.float64) + 0.5)  # round half away from zero, as Rust's f32::round


def prepare_view(x):
    x = x.astype(np.float32)
    t = np.float32(np.float32(x.astype(np.float64).mean()) * np.float32(FRACTION_OF_MEAN))
    body = x > t
    r0, r1 = span(body.sum(axis=1))
    c0, c1 = span(body.sum(axis=0))
    rs = centre_shift(r0, r1 - r0, CUT_ROWS, True)
    cs = centre_shift(c0, c1 - c0, CUT_COLS, False)
    # the paper's order: normalise the 950×256 cut, then keep its first 640 rows
    cut = np.zeros((CUT_ROWS, CUT_COLS), np.float32)
    rows, cols = x.shape
    sr0, sr1 = max(0, -rs), min(rows, CUT_ROWS - rs)
    sc0, sc1 = max(0, -cs), min(cols, CUT_COLS - cs)
    cut[sr0 + rs:sr1 + rs, sc0 + cs:sc1 + cs] = x[sr0:sr1, sc0:sc1]
    gain = TARGET / cut.astype(np.float64).mean()
    mean = quantise(cut, gain).mean()
    it = 0
    while abs(mean - TARGET) > TOL and it < MAX_IT:
        gain *= TARGET / mean
        mean = quantise(cut, gain).mean()
        it += 1
    assert LOW < mean < HIGH, mean
    kept = quantise(cut[:KEEP_ROWS], gain).astype(np.float32)
    return kept, gain, (r0, r1, c0, c1, rs, cs)


def views_of(path):
    ds = pydicom.dcmread(path)
    px = ds.pixel_array.astype(np.float32)
    slope = float(getattr(ds, "RescaleSlope", 1.0))
    inter = float(getattr(ds, "RescaleIntercept", 0.0))
    px = px * np.float32(slope) + np.float32(inter)
    if px.ndim == 2:
        return px, None
    return px[0], px[1]  # frame order: the writer puts anterior first


def body_of(image):
    """Air vs body: Otsu's threshold on ln(1 + x), as bs_masks::nm::body_mask."""
    logs = np.log1p(np.maximum(image, 0))
    return logs > threshold_otsu(logs)


def prepare_scan(path):
    ant, post = views_of(path)
    a, ga, geo_a = prepare_view(ant)
    image = np.zeros((KEEP_ROWS, 2 * CUT_COLS), np.float32)
    image[:, :CUT_COLS] = a
    gp, geo_p = None, None
    if post is not None:
        p, gp, geo_p = prepare_view(post)
        image[:, CUT_COLS:] = p
    three = body_of(image).astype(np.uint8)  # NM = body (no lesions in the benchmark)
    return image, three, ga, gp, geo_a, geo_p


def main():
    mode = sys.argv[1]
    if mode == "compare":
        out, paths = sys.argv[2], sys.argv[3:]
        res = [prepare_scan(p) for p in paths]
        np.save(f"{out}/images.npy", np.stack([r[0] for r in res]))
        np.save(f"{out}/nm.npy", np.stack([r[1] for r in res]))
        print(json.dumps([{"gain_anterior": r[2], "gain_posterior": r[3], "geometry_anterior": r[4],
                           "geometry_posterior": r[5]} for r in res]))
    elif mode == "bench":
        repeats, paths = int(sys.argv[2]), sys.argv[3:]
        prepare_scan(paths[0])
        t0 = time.perf_counter()
        for _ in range(repeats):
            for p in paths:
                prepare_scan(p)
        dt = time.perf_counter() - t0
        n = repeats * len(paths)
        # stage breakdown: read + decode, preprocessing, Otsu
        t_read = t_prep = t_otsu = 0.0
        for _ in range(repeats):
            for p in paths:
                a = time.perf_counter()
                ant, post = views_of(p)
                b = time.perf_counter()
                image = np.zeros((KEEP_ROWS, 2 * CUT_COLS), np.float32)
                image[:, :CUT_COLS] = prepare_view(ant)[0]
                if post is not None:
                    image[:, CUT_COLS:] = prepare_view(post)[0]
                c = time.perf_counter()
                body_of(image).astype(np.uint8)
                d = time.perf_counter()
                t_read, t_prep, t_otsu = t_read + b - a, t_prep + c - b, t_otsu + d - c
        print(json.dumps({"seconds_per_scan": dt / n, "read": t_read / n, "prepare": t_prep / n,
                          "otsu": t_otsu / n}))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
