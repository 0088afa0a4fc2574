#!/usr/bin/env python3
"""PyTorch's side of `gyre bench gpu`, run on the same card in the same check.

The standard MLP (784-256-128-10, ReLU, softmax cross-entropy, Adam lr 1e-3): the training
step at batch 128 and 1024 and inference at batch 1 and 256, eager and as a CUDA graph
(torch.cuda.graph with static buffers, Adam(capturable=True)); the caching allocator's
allocate+free; cuBLAS GEMM rate and device copy bandwidth. Writes JSON with the keys that
`gyre bench gpu --torch FILE` reads. `--device cpu` rehearses the eager cases anywhere.
"""
import argparse
import json
import sys
import time

import torch


def mlp(device):
    return torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10)).to(device)


def batch(rows, device):
    generator = torch.Generator(device="cpu").manual_seed(5)
    features = torch.rand(rows, 784, generator=generator).to(device)
    labels = (torch.arange(rows) % 10).to(device)
    return features, labels


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(device, steps, work):
    """Mean microseconds of work() over `steps` calls, the device drained before and after."""
    synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        work()
    synchronize(device)
    return (time.perf_counter() - start) * 1e6 / steps


def train_eager(rows, steps, device):
    model = mlp(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = torch.nn.CrossEntropyLoss()
    features, labels = batch(rows, device)

    def step():
        optimizer.zero_grad()
        loss_function(model(features), labels).backward()
        optimizer.step()

    for _ in range(30):
        step()
    return timed(device, steps, step)


def train_graph(rows, steps, device):
    """The whole step captured, as PyTorch's CUDA graphs documentation shows."""
    model = mlp(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, capturable=True)
    loss_function = torch.nn.CrossEntropyLoss()
    static_features, static_labels = batch(rows, device)
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):  # warm-up on a side stream before capture
        for _ in range(3):
            optimizer.zero_grad(set_to_none=True)
            loss_function(model(static_features), static_labels).backward()
            optimizer.step()
    torch.cuda.current_stream(device).wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    optimizer.zero_grad(set_to_none=True)
    with torch.cuda.graph(graph):
        static_loss = loss_function(model(static_features), static_labels)
        static_loss.backward()
        optimizer.step()
    for _ in range(30):
        graph.replay()
    return timed(device, steps, graph.replay)


def inference_eager(rows, steps, device):
    model = mlp(device).eval()
    features, _ = batch(rows, device)

    def call():
        with torch.inference_mode():
            model(features)
        synchronize(device)  # a server waits for each answer

    for _ in range(30):
        call()
    return timed(device, steps, call)


def inference_graph(rows, steps, device):
    """Copy in, replay, copy out: what Gyre's graphed output() does."""
    model = mlp(device).eval()
    features, _ = batch(rows, device)
    static_features = features.clone()
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side), torch.no_grad():
        for _ in range(3):
            model(static_features)
    torch.cuda.current_stream(device).wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph), torch.no_grad():
        static_output = model(static_features)

    def call():
        static_features.copy_(features)
        graph.replay()
        static_output.clone()
        synchronize(device)

    for _ in range(30):
        call()
    return timed(device, steps, call)


def caching_allocator_us(device, count=10000, nbytes=1 << 20):
    def work():
        block = torch.empty(nbytes // 4, dtype=torch.float32, device=device)
        del block

    for _ in range(100):
        work()
    return timed(device, count, work)


def gemm_tflops(device, n=4096):
    a = torch.rand(n, n, device=device)
    b = torch.rand(n, n, device=device)
    microseconds = timed(device, 20, lambda: torch.mm(a, b))
    return 2.0 * n ** 3 / (microseconds / 1e6) / 1e12


def copy_gb_per_s(device, nbytes=256 << 20):
    source = torch.ones(nbytes // 4, device=device)
    target = torch.empty_like(source)
    microseconds = timed(device, 20, lambda: target.copy_(source))
    return 2.0 * nbytes / (microseconds / 1e6) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", required=True, help="write the results here")
    parser.add_argument("--device", default="cuda:0")
    parser.add_argument("--steps", type=int, default=300)
    arguments = parser.parse_args()
    device = torch.device(arguments.device)
    graphs = device.type == "cuda"
    torch.backends.cuda.matmul.allow_tf32 = False  # Gyre's GEMMs are plain FP32
    torch.backends.cudnn.allow_tf32 = False
    report = {
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(device) if graphs else str(device),
        "train": {}, "inference": {},
    }
    for rows in (128, 1024):
        print(f"torch: training step, batch {rows}", file=sys.stderr)
        report["train"][str(rows)] = {
            "eager_step_us": train_eager(rows, arguments.steps, device),
            "graph_step_us": train_graph(rows, arguments.steps, device) if graphs else None,
        }
    for rows in (1, 256):
        print(f"torch: inference, batch {rows}", file=sys.stderr)
        report["inference"][str(rows)] = {
            "eager_us": inference_eager(rows, arguments.steps, device),
            "graph_us": inference_graph(rows, arguments.steps, device) if graphs else None,
        }
    report["allocator"] = {"caching_allocate_free_1mib_us": caching_allocator_us(device)}
    report["ceilings"] = {"sgemm_4096_tflops": gemm_tflops(device),
                          "device_copy_256mib_gb_per_s": copy_gb_per_s(device)}
    with open(arguments.json, "w") as file:
        json.dump(report, file, indent=2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
