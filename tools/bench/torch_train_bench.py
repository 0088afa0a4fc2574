#!/usr/bin/env python3
"""PyTorch's side of the training comparison (issue 19's `--vs-pytorch`), on the CPU.

The standard workloads of docs/benchmarks/train.md, built as Gyre's configs build them:
  mlp     784-256-128-10, ReLU (configs/mlp.json)
  lenet   conv 5x5x20, max-pool, conv 5x5x50, max-pool, dense 500, output 10 (configs/lenet.json)
  resnet  configs/resnet.json: stem, two residual blocks with batch norm, global average pool
  lstm    configs/lstm.json: 28 steps of 28 pixels, each example cut to 14-28 rows, an LSTM of
          128 units read at each example's last present step (packed sequences)
Each trains with Adam on Fashion-MNIST (the IDX files of Debian's dataset-fashion-mnist) at
each thread count asked; the report keeps every count's samples/s and, with --epochs, the
test accuracy. Writes JSON (--json FILE) and prints a table.

Installing the peer: tools/bench/install_torch.sh (a virtual environment, build/torch-venv),
then `build/torch-venv/bin/python tools/bench/torch_train_bench.py [--epochs 1] [--json F]`.
"""
import argparse
import gzip
import json
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as functional

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as file:
        magic = struct.unpack(">I", file.read(4))[0]
        dims = [struct.unpack(">I", file.read(4))[0] for _ in range(magic & 0xFF)]
        return torch.frombuffer(bytearray(file.read()), dtype=torch.uint8).reshape(dims)


def load(train, directory):
    prefix = "train" if train else "t10k"
    images = read_idx(f"{directory}/{prefix}-images-idx3-ubyte.gz").float().div_(255.0)
    labels = read_idx(f"{directory}/{prefix}-labels-idx1-ubyte.gz").long()
    return images.reshape(-1, 784), labels


class ResidualCnn(nn.Module):
    """configs/resnet.json."""

    def __init__(self):
        super().__init__()
        conv = lambda cin, cout: nn.Conv2d(cin, cout, 3, padding=1)
        self.stem, self.stem_bn = conv(1, 16), nn.BatchNorm2d(16)
        self.a1, self.a1_bn, self.a2, self.a2_bn = conv(16, 16), nn.BatchNorm2d(16), conv(16, 16), nn.BatchNorm2d(16)
        self.widen, self.widen_bn = conv(16, 32), nn.BatchNorm2d(32)
        self.b1, self.b1_bn, self.b2, self.b2_bn = conv(32, 32), nn.BatchNorm2d(32), conv(32, 32), nn.BatchNorm2d(32)
        self.classes = nn.Linear(32, 10)

    def forward(self, x):
        x = functional.relu(self.stem_bn(self.stem(x)))
        x = functional.relu(self.a2_bn(self.a2(functional.relu(self.a1_bn(self.a1(x))))) + x)
        x = functional.relu(self.widen_bn(self.widen(functional.max_pool2d(x, 2))))
        x = functional.relu(self.b2_bn(self.b2(functional.relu(self.b1_bn(self.b1(x))))) + x)
        x = functional.avg_pool2d(functional.max_pool2d(x, 2), 7)
        return self.classes(x.flatten(1))


class RowLstm(nn.Module):
    """configs/lstm.json: the LSTM's state at each example's last present step."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 128, batch_first=True)
        self.classes = nn.Linear(128, 10)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.classes(h[-1])


def model_for(name):
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "lenet":
        return nn.Sequential(
            nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))
    if name == "resnet":
        return ResidualCnn()
    if name == "lstm":
        return RowLstm()
    raise SystemExit(f"unknown workload '{name}'; use mlp, lenet, resnet or lstm")


def batches(name, images, labels, batch, generator, shuffle):
    """(inputs, labels) per batch, shaped for the workload; the LSTM's rows cut at random."""
    order = torch.randperm(len(labels), generator=generator) if shuffle else torch.arange(len(labels))
    for start in range(0, len(labels), batch):
        index = order[start:start + batch]
        x, y = images[index], labels[index]
        if name in ("lenet", "resnet"):
            yield (x.reshape(-1, 1, 28, 28),), y
        elif name == "lstm":
            lengths = torch.randint(14, 29, (len(index),), generator=generator)
            steps = x.reshape(-1, 28, 28)[:, : int(lengths.max())].clone()
            steps[torch.arange(steps.shape[1]).unsqueeze(0) >= lengths.unsqueeze(1)] = 0.0
            yield (steps, lengths), y
        else:
            yield (x,), y


def run(name, threads, batch, epochs, steps, warmup, learning_rate, data):
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    model = model_for(name)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    (train_x, train_y), (test_x, test_y) = data
    generator = torch.Generator().manual_seed(42)
    def step(inputs, y):
        optimizer.zero_grad(set_to_none=True)
        loss = functional.cross_entropy(model(*inputs), y)
        loss.backward()
        optimizer.step()

    seen, trained = 0, 0.0
    if epochs == 0:  # warm up as Gyre's worker does (its first batches size its workspaces)
        warm = torch.Generator().manual_seed(41)
        for count, (inputs, y) in enumerate(batches(name, train_x, train_y, batch, warm, True)):
            if count == warmup:
                break
            step(inputs, y)
    for _ in range(max(epochs, 1)):
        model.train()
        start = time.perf_counter()
        for inputs, y in batches(name, train_x, train_y, batch, generator, True):
            step(inputs, y)
            seen += len(y)
            if epochs == 0 and seen >= steps * batch:
                break
        trained += time.perf_counter() - start
    accuracy = None
    if epochs > 0:
        model.eval()
        correct = 0
        test_generator = torch.Generator().manual_seed(43)
        with torch.no_grad():
            for inputs, y in batches(name, test_x, test_y, 1000, test_generator, False):
                correct += int((model(*inputs).argmax(1) == y).sum())
        accuracy = correct / len(test_y)
    return {"workload": name, "threads": threads, "batch": batch, "samples_per_second": seen / trained,
            "examples": seen, "seconds": trained, "test_accuracy": accuracy}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="mlp,lenet,resnet,lstm")
    parser.add_argument("--threads", default="1,2", help="thread counts to try, e.g. 1,2")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=0, help="0: time --steps batches, no accuracy")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10, help="untimed batches before --steps")
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--json", help="write the results here")
    options = parser.parse_args()
    data = (load(True, options.data), load(False, options.data))
    rates = {"mlp": 1e-3, "lenet": 1e-3, "resnet": 1e-3, "lstm": 2e-3}
    results = []
    for name in options.workloads.split(","):
        for threads in (int(t) for t in options.threads.split(",")):
            result = run(name, threads, options.batch, options.epochs, options.steps, options.warmup,
                         rates[name], data)
            results.append(result)
            accuracy = "" if result["test_accuracy"] is None else f"  accuracy {result['test_accuracy']:.4f}"
            print(f"{name:7s} threads {threads}  {result['samples_per_second']:9.0f} samples/s{accuracy}",
                  flush=True)
    report = {"peer": f"pytorch {torch.__version__}", "results": results}
    if options.json:
        with open(options.json, "w") as file:
            json.dump(report, file, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
