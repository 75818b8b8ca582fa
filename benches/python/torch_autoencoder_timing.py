"""PyTorch timing of the CCTV autoencoder, for comparison with
`cargo bench --bench autoencoder` (run both with `benches/compare_torch.sh`).

Same network as conv-autoencoder's `cctv` preset (3,480,897 trainable
parameters: four 4x4 stride-2 convolutions of 32/64/128/256 channels with
batch norm and ReLU, a linear bottleneck to 256 and back with ReLU, the
mirrored transposed convolutions, a sigmoid), the same input (64 grey 64x64
crops of testdata/video/vtest_160x120_mono.y4m, pixels / 255), the same
work per iteration: one Adam step on the batch of 64 (MSE), and scoring the
64 frames in inference mode.

Prints one JSON line: medians in seconds and frames per second.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch numpy
    /tmp/venv/bin/python benches/python/torch_autoencoder_timing.py [--threads N]
"""

import argparse
import json
import os
import statistics
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
Y4M = os.path.join(HERE, "..", "..", "testdata", "video", "vtest_160x120_mono.y4m")


def frames():
    """64 crops of 64x64, as the Rust bench takes them."""
    with open(Y4M, "rb") as f:
        data = f.read()
    header, rest = data.split(b"\n", 1)
    fields = {t[:1]: t[1:] for t in header.split()[1:]}
    w, h = int(fields[b"W"]), int(fields[b"H"])
    out = []
    while rest.startswith(b"FRAME") and len(out) < 64:
        _, rest = rest.split(b"\n", 1)
        y = np.frombuffer(rest[: w * h], dtype=np.uint8).reshape(h, w)
        rest = rest[w * h :]
        for i in range(16):
            x0, y0 = i % 4 * 32, i // 4 * 18
            out.append(y[y0 : y0 + 64, x0 : x0 + 64])
    batch = np.stack(out[:64]).astype(np.float32) / 255.0
    return torch.from_numpy(batch).unsqueeze(1)


class Cctv(nn.Module):
    def __init__(self):
        super().__init__()
        chans = [1, 32, 64, 128, 256]
        enc = []
        for a, b in zip(chans, chans[1:]):
            enc += [nn.Conv2d(a, b, 4, 2, 1), nn.BatchNorm2d(b), nn.ReLU()]
        self.encoder = nn.Sequential(*enc)
        self.to_latent = nn.Linear(256 * 4 * 4, 256)
        self.from_latent = nn.Linear(256, 256 * 4 * 4)
        dec = []
        for a, b in zip(chans[:0:-1], chans[-2::-1]):
            dec.append(nn.ConvTranspose2d(a, b, 4, 2, 1))
            if b != 1:
                dec += [nn.BatchNorm2d(b), nn.ReLU()]
        self.decoder = nn.Sequential(*dec)

    def forward(self, x):
        n = x.shape[0]
        z = self.to_latent(self.encoder(x).reshape(n, -1))
        x = torch.relu(self.from_latent(z)).reshape(n, 256, 4, 4)
        return torch.sigmoid(self.decoder(x))


def median_time(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeats", type=int, default=20)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x = frames()
    model = Cctv()
    params = sum(t.numel() for t in model.parameters())
    assert params == 3_480_897, params
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
    loss_fn = nn.MSELoss()

    def train_step():
        model.train()
        opt.zero_grad()
        loss = loss_fn(model(x), x)
        loss.backward()
        opt.step()

    def score():
        model.eval()
        with torch.no_grad():
            ((model(x) - x) ** 2).mean(dim=(1, 2, 3)).tolist()

    train_s = median_time(train_step, 3, a.repeats)
    score_s = median_time(score, 3, a.repeats)
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": a.threads,
                "parameters": params,
                "train_step_s": train_s,
                "train_frames_per_s": 64 / train_s,
                "score_64_s": score_s,
                "score_frames_per_s": 64 / score_s,
            }
        )
    )


if __name__ == "__main__":
    main()
