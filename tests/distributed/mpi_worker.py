"""One rank of a small data-parallel job, started by the tests with or without ``mpiexec``.

    python mpi_worker.py train OUT.npz [--optimizer sgd|momentum|adam] [--n 147] [--batch 40] [--epochs 3]
                                       [--equal-weights] [--dtype float32|float64]
    python mpi_worker.py collectives        # asserts on all_reduce / broadcast / broadcast_parameters
    python mpi_worker.py diverge            # check_in_sync must notice rank 1's perturbed weights
    python mpi_worker.py fail all|one       # an error on every rank / on rank 1 only, inside dist.command

``train`` builds the model with a seed that depends on the rank (so only the broadcast can make the
ranks agree), trains with `chainrule.distributed.wrap` and ``debug_sync=1``, and rank 0 saves the final
weights and the communication figures to OUT.npz. Run without mpiexec it is the single-process reference.
"""
import argparse
import sys

import numpy as np

import chainrule as cr
from chainrule import distributed as dist
from chainrule.data import DataLoader


def make_data(n, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64) + (X[:, 0] > 1).astype(np.int64)
    return X, y


def train(args):
    dist.init()
    cr.set_default_dtype(np.dtype(args.dtype))
    cr.manual_seed(100 + dist.rank())                 # different initial weights on every rank ...
    model = cr.nn.MLP(2, [16], 3)
    X, y = make_data(args.n)
    loader = DataLoader((X.astype(args.dtype), y), batch_size=args.batch, shuffle=True, seed=7)
    params = list(model.parameters())
    inner = {"sgd": lambda: cr.optim.SGD(params, lr=0.5),
             "momentum": lambda: cr.optim.SGD(params, lr=0.2, momentum=0.9, weight_decay=1e-3),
             "adam": lambda: cr.optim.Adam(params, lr=0.01)}[args.optimizer]()
    opt = dist.wrap(model, inner, loader, debug_sync=1)   # ... until rank 0's are broadcast
    losses = []
    for _ in range(args.epochs):
        for Xb, yb in loader:
            loss = cr.nn.functional.cross_entropy(model(cr.Tensor(Xb)), yb) + cr.nn.l2_penalty(model, 1e-3)
            opt.zero_grad()
            loss.backward()
            opt.step(num_samples=None if args.equal_weights else len(yb))
            losses.append(loss.item())
    in_sync = opt.check_in_sync()
    mean_loss = dist.all_reduce(float(np.mean(losses)), op="mean")
    if dist.is_main():
        np.savez(args.out, world=dist.world_size(), steps=opt.steps, bytes_per_step=opt.bytes_per_step,
                 num_parameters=opt.num_parameters, in_sync=in_sync, mean_loss=mean_loss,
                 **{name: p.data for name, p in model.named_parameters()})


def collectives(_args):
    dist.init()
    r, W = dist.rank(), dist.world_size()
    assert W == 2 and dist.is_main() == (r == 0), (r, W)
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32) * (r + 1)
    np.testing.assert_array_equal(dist.all_reduce(a, op="sum"), [3, 6, 9])
    np.testing.assert_array_equal(dist.all_reduce(a, op="mean"), [1.5, 3, 4.5])
    np.testing.assert_array_equal(dist.all_reduce(a, op="max"), [2, 4, 6])
    np.testing.assert_array_equal(a, np.array([1.0, 2.0, 3.0]) * (r + 1))        # input unchanged
    t = dist.all_reduce(cr.tensor([float(r)]), op="sum")
    assert isinstance(t, cr.Tensor) and t.tolist() == [1.0]
    assert dist.all_reduce(r + 1, op="sum") == 3 and dist.all_reduce(r, op="mean") == 0.5
    assert dist.broadcast(np.int64(10 * r + 5), root=1) == 15
    cr.manual_seed(r)
    model = cr.nn.MLP(3, [4], 2)
    nbytes = dist.broadcast_parameters(model, root=0)
    assert nbytes == 4 * sum(p.size for p in model.parameters())
    cr.manual_seed(0)
    ref = cr.nn.MLP(3, [4], 2)
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert dist.check_in_sync(model) == 0.0
    dist.barrier()


def diverge(_args):
    dist.init()
    cr.manual_seed(0)
    model = cr.nn.MLP(3, [4], 2)
    dist.broadcast_parameters(model)
    if dist.rank() == 1:
        model[0].weight.data[1, 2] += 0.25
    assert abs(dist.check_in_sync(model, raise_error=False) - 0.25) < 1e-6
    try:
        dist.check_in_sync(model)
    except dist.DistributedError as e:
        if dist.is_main():
            print(f"caught: {e}")
    else:
        raise AssertionError("check_in_sync did not raise")


def fail(args):
    """``fail all``: every rank raises the same error; ``fail one``: rank 1 alone, while rank 0 waits in an
    Allreduce (it would wait forever without `command`'s abort)."""
    from chainrule.errors import ConfigError
    with dist.command("worker"):
        print(f"stdout of rank {dist.rank()}")
        if args.out == "all" or dist.rank() == 1:
            raise ConfigError("--lr -1 is not a number in range.")
        dist.all_reduce(np.ones(3))


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["train", "collectives", "diverge", "fail"])
    parser.add_argument("out", nargs="?")
    parser.add_argument("--optimizer", default="momentum")
    parser.add_argument("--n", type=int, default=147)
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--equal-weights", action="store_true")
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args(argv)
    {"train": train, "collectives": collectives, "diverge": diverge, "fail": fail}[args.mode](args)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except cr.ChainruleError as e:                   # one line, exit 2, as the CLI does
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
