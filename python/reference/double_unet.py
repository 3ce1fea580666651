"""Independent PyTorch reference of the Double U-Net (Jha et al., 2020) used by bonescan's tests.

Written from the original Keras code (DebeshJha/2020-CBMS-DoubleU-Net, model.py), in plain
torch.nn, with the parameter names that bonescan's `bs-model` crate uses, so a safetensors file
exported from Rust loads here with `load_state_dict(strict=True)` (up to BN's
`num_batches_tracked` counters, which libtorch's Rust bindings do not keep).

Keras facts this module reproduces:
- encoder 1 is VGG19's convolutional part (ReLU after every conv), laid out as torchvision's
  `vgg19().features`; skips: block1_conv2, block2_conv2, block3_conv4, block4_conv4; bottleneck:
  block5_conv4 (before the last max-pool);
- `conv_block`: Conv2D(3x3, bias) - BN - ReLU, twice, then squeeze-excite (GAP, Dense(C//8,
  relu, no bias), Dense(C, sigmoid, no bias), multiply);
- ASPP(64): image pooling (avg-pool over the whole map, 1x1 conv WITH bias, BN, ReLU, bilinear
  upsample), 1x1 no bias, 3x3 dilation 6/12/18 no bias, each BN-ReLU; concat; 1x1 no bias, BN,
  ReLU;
- decoders: UpSampling2D(2, bilinear) (half-pixel centres = align_corners=False), concat
  [x, skip1, (skip2)], conv_block 256/128/64/32; heads: 1x1 conv with bias + activation;
- network 2 input = input * output 1; encoder 2: conv_block 32/64/128/256 each followed by
  MaxPool 2x2;
- Keras BatchNormalization: epsilon 1e-3, momentum 0.99 (PyTorch momentum 0.01).

Three-class variant (the paper's modified network): heads have 3 channels (BG, NM, M) and a
SoftMax over channels; network 2's input is input * (1 - P(BG)).

Command line (used by the Rust tests and the bench example):
  python double_unet.py forward SPEC.json      run models, write outputs (see `cmd_forward`)
  python double_unet.py train_step SPEC.json   one training step of the paper profile (see
                                               `cmd_train_step`)
  python double_unet.py bench SPEC.json        time training steps / inference (see `cmd_bench`)
"""

import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# VGG19 configuration: channels per conv, "M" for max-pool (torchvision's "E" configuration).
VGG19_LAYOUT = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
                512, 512, 512, 512, "M", 512, 512, 512, 512]
# Index in `features` of the ReLU whose output is a skip (block1_conv2 .. block4_conv4).
VGG19_SKIP_RELUS = (3, 8, 17, 26)


def scaled(channels, width):
    return max(1, int(round(channels * width)))


class ConvBnReLU(nn.Module):
    def __init__(self, c_in, c_out, kernel, dilation=1, bias=True, eps=1e-3, momentum=0.01):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel, padding=dilation * (kernel - 1) // 2,
                              dilation=dilation, bias=bias)
        self.bn = nn.BatchNorm2d(c_out, eps=eps, momentum=momentum)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class SqueezeExcite(nn.Module):
    def __init__(self, channels, ratio=8):
        super().__init__()
        hidden = max(1, channels // ratio)
        self.fc1 = nn.Linear(channels, hidden, bias=False)
        self.fc2 = nn.Linear(hidden, channels, bias=False)

    def forward(self, x):
        s = x.mean(dim=(2, 3))
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s[:, :, None, None]


class ConvBlock(nn.Module):
    def __init__(self, c_in, c_out, ratio, eps, momentum):
        super().__init__()
        self.conv_bn1 = ConvBnReLU(c_in, c_out, 3, eps=eps, momentum=momentum)
        self.conv_bn2 = ConvBnReLU(c_out, c_out, 3, eps=eps, momentum=momentum)
        self.se = SqueezeExcite(c_out, ratio)

    def forward(self, x):
        return self.se(self.conv_bn2(self.conv_bn1(x)))


class ASPP(nn.Module):
    def __init__(self, c_in, filters, eps, momentum):
        super().__init__()
        kw = dict(eps=eps, momentum=momentum)
        self.pool = ConvBnReLU(c_in, filters, 1, bias=True, **kw)
        self.branch1 = ConvBnReLU(c_in, filters, 1, bias=False, **kw)
        self.branch6 = ConvBnReLU(c_in, filters, 3, dilation=6, bias=False, **kw)
        self.branch12 = ConvBnReLU(c_in, filters, 3, dilation=12, bias=False, **kw)
        self.branch18 = ConvBnReLU(c_in, filters, 3, dilation=18, bias=False, **kw)
        self.project = ConvBnReLU(5 * filters, filters, 1, bias=False, **kw)

    def forward(self, x):
        h, w = x.shape[2:]
        y1 = self.pool(F.adaptive_avg_pool2d(x, 1))
        y1 = F.interpolate(y1, size=(h, w), mode="bilinear", align_corners=False)
        ys = [y1, self.branch1(x), self.branch6(x), self.branch12(x), self.branch18(x)]
        return self.project(torch.cat(ys, dim=1))


def vgg19_features(width):
    layers, c_in = [], 3
    for item in VGG19_LAYOUT:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            c_out = scaled(item, width)
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=False)]
            c_in = c_out
    return nn.Sequential(*layers)


class DoubleUNet(nn.Module):
    def __init__(self, classes=1, width=1.0, aspp_filters=64, se_ratio=8, eps=1e-3, momentum=0.01):
        super().__init__()
        c = lambda n: scaled(n, width)
        kw = dict(eps=eps, momentum=momentum)
        self.classes = classes
        self.features = vgg19_features(width)
        f = c(aspp_filters)
        self.aspp1 = ASPP(c(512), f, **kw)
        dec_filters = [256, 128, 64, 32]
        skip1 = [c(512), c(256), c(128), c(64)]
        skip2 = [c(256), c(128), c(64), c(32)]
        blocks, c_in = [], f
        for s, out in zip(skip1, dec_filters):
            blocks.append(ConvBlock(c_in + s, c(out), se_ratio, **kw))
            c_in = c(out)
        self.decoder1 = nn.ModuleList(blocks)
        self.head1 = nn.Conv2d(c_in, classes, 1)
        blocks, c_in = [], 3
        for out in [32, 64, 128, 256]:
            blocks.append(ConvBlock(c_in, c(out), se_ratio, **kw))
            c_in = c(out)
        self.encoder2 = nn.ModuleList(blocks)
        self.aspp2 = ASPP(c_in, f, **kw)
        blocks, c_in = [], f
        for s1, s2, out in zip(skip1, skip2, dec_filters):
            blocks.append(ConvBlock(c_in + s1 + s2, c(out), se_ratio, **kw))
            c_in = c(out)
        self.decoder2 = nn.ModuleList(blocks)
        self.head2 = nn.Conv2d(c_in, classes, 1)

    def activate(self, logits):
        return torch.sigmoid(logits) if self.classes == 1 else torch.softmax(logits, dim=1)

    def gate(self, probs):
        return probs if self.classes == 1 else 1.0 - probs[:, 0:1]

    def forward(self, x):
        skips1, y = [], x
        for i, layer in enumerate(self.features):
            y = layer(y)
            if i in VGG19_SKIP_RELUS:
                skips1.append(y)
        y = self.aspp1(y)
        for block, skip in zip(self.decoder1, reversed(skips1)):
            y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
            y = block(torch.cat([y, skip], dim=1))
        logits1 = self.head1(y)
        out1 = self.activate(logits1)

        z, skips2 = x * self.gate(out1), []
        for block in self.encoder2:
            z = block(z)
            skips2.append(z)
            z = F.max_pool2d(z, 2)
        z = self.aspp2(z)
        for block, s1, s2 in zip(self.decoder2, reversed(skips1), reversed(skips2)):
            z = F.interpolate(z, scale_factor=2, mode="bilinear", align_corners=False)
            z = block(torch.cat([z, s1, s2], dim=1))
        logits2 = self.head2(z)
        return out1, self.activate(logits2), logits1, logits2


def build(config):
    """A model from a bs-model `DoubleUNetConfig` JSON object."""
    classes = 1 if config["variant"] == "binary" else 3
    return DoubleUNet(classes=classes, width=config["width_multiplier"],
                      aspp_filters=config["aspp_filters"], se_ratio=config["se_ratio"],
                      eps=config["batch_norm_eps"], momentum=config["batch_norm_momentum"])


def load_weights(model, path):
    from safetensors.torch import load_file
    state = load_file(path)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"{path}: missing {missing[:5]}, unexpected {unexpected[:5]}")


def cmd_forward(spec):
    """spec: {"cases": [{"config": {...}, "weights": path, "input": path, "output": path}]}.

    Each input file holds tensor "x"; the output file receives out1, out2, logits1, logits2
    of the model in eval mode (fp32, CPU).
    """
    from safetensors.torch import load_file, save_file
    torch.set_grad_enabled(False)
    for case in spec["cases"]:
        model = build(case["config"]).eval()
        load_weights(model, case["weights"])
        x = load_file(case["input"])["x"]
        out1, out2, logits1, logits2 = model(x)
        save_file({"out1": out1.contiguous(), "out2": out2.contiguous(),
                   "logits1": logits1.contiguous(), "logits2": logits2.contiguous()},
                  case["output"])


def keras_focal_tversky(out1, out2, target, alpha, beta, gamma, smooth):
    """The paper's Focal Tversky loss (Eq. 2) as the Keras Double U-Net computes one loss:
    over both heads concatenated, BG excluded, NM and M pooled into one index."""
    p = torch.cat([out1, out2], dim=0)[:, 1:].flatten()
    y = torch.cat([target, target], dim=0)[:, 1:].flatten()
    tp = (p * y).sum()
    fp = ((1 - y) * p).sum()
    fn = (y * (1 - p)).sum()
    ti = (tp + smooth) / (tp + alpha * fp + beta * fn + smooth)
    return torch.clamp(1 - ti, min=1e-12) ** gamma


def cmd_train_step(spec):
    """spec: {"config", "weights", "input" (tensors "x", "target"), "output", "loss": {alpha,
    beta, gamma, smooth}, "adam": {lr, beta1, beta2, eps}}.

    One step in training mode (fp32, CPU): forward, loss, backward, Adam. Writes "loss",
    "grad.<name>" of every parameter, and the state after the step (parameters and batch-norm
    running statistics, by their names).
    """
    from safetensors.torch import load_file, save_file
    model = build(spec["config"]).train()
    load_weights(model, spec["weights"])
    tensors = load_file(spec["input"])
    l, a = spec["loss"], spec["adam"]
    opt = torch.optim.Adam(model.parameters(), lr=a["lr"], betas=(a["beta1"], a["beta2"]),
                           eps=a["eps"])
    out1, out2, _, _ = model(tensors["x"])
    loss = keras_focal_tversky(out1, out2, tensors["target"], l["alpha"], l["beta"],
                               l["gamma"], l["smooth"])
    opt.zero_grad()
    loss.backward()
    result = {"loss": loss.detach().reshape(1)}
    for name, p in model.named_parameters():
        result[f"grad.{name}"] = p.grad.detach().clone().contiguous()
    opt.step()
    for name, t in model.state_dict().items():
        if not name.endswith("num_batches_tracked"):
            result[name] = t.detach().clone().contiguous()
    save_file(result, spec["output"])


def soft_dice_loss(probs, target):
    inter = (probs * target).sum()
    return 1.0 - (2.0 * inter + 1.0) / (probs.sum() + target.sum() + 1.0)


def cmd_bench(spec):
    """Times training steps and inference like examples/bench_model; prints one JSON line per
    configuration: {"batch", "amp", "channels_last", "mode", "img_per_s"}."""
    device = torch.device(spec.get("device", "cpu"))
    torch.backends.cudnn.benchmark = True
    h, w = spec["height"], spec["width"]
    for run in spec["runs"]:
        torch.manual_seed(0)
        model = build(spec["config"]).to(device)
        fmt = torch.channels_last if run["channels_last"] else torch.contiguous_format
        model = model.to(memory_format=fmt)
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        scaler = torch.amp.GradScaler("cuda", enabled=run["amp"] and device.type == "cuda")
        n = run["batch"]
        x = torch.rand(n, 3, h, w, device=device).contiguous(memory_format=fmt)
        classes = model.classes
        target = (torch.rand(n, classes, h, w, device=device) > 0.5).float()
        amp = run["amp"] and device.type == "cuda"

        def train_step():
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=torch.float16, enabled=amp):
                out1, out2, _, _ = model(x)
            loss = soft_dice_loss(out1.float(), target) + soft_dice_loss(out2.float(), target)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()

        def infer_step():
            with torch.no_grad(), torch.autocast(device.type, dtype=torch.float16, enabled=amp):
                model(x)

        step = train_step if run["mode"] == "train" else infer_step
        model.train(run["mode"] == "train")
        for _ in range(spec["warmup"]):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(spec["iters"]):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - start
        print(json.dumps({**run, "img_per_s": n * spec["iters"] / elapsed}), flush=True)


if __name__ == "__main__":
    commands = {"forward": cmd_forward, "train_step": cmd_train_step, "bench": cmd_bench}
    if len(sys.argv) != 3 or sys.argv[1] not in commands:
        raise SystemExit(__doc__)
    with open(sys.argv[2]) as fh:
        spec = json.load(fh)
    torch.set_num_threads(spec.get("threads", torch.get_num_threads()))
    commands[sys.argv[1]](spec)
