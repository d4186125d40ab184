"""Data parallelism: the single-process API, the gradient buffer's arithmetic, the errors, and 2-rank MPI
runs whose weights must equal single-process training on the same global batches."""
import functools
import sys
import types

import numpy as np
import pytest

import chainrule as cr
from chainrule import distributed as dist
from chainrule.distributed.optimizer import _GradBuffer
from chainrule.distributed.world import _reset, _world
from chainrule.data import DataLoader
from chainrule.errors import ChainruleError

from conftest import needs_mpi, run_worker


def _step_pair(model, X, y):
    loss = cr.nn.functional.cross_entropy(model(cr.Tensor(X)), y) + cr.nn.l2_penalty(model, 1e-3)
    loss.backward()


# ---------------------------------------------------------------------------------- one process, no MPI
def test_plain_process_is_rank_0_of_1_without_mpi():
    dist.init()
    dist.init()                                                    # idempotent
    assert dist.is_initialized() and (dist.rank(), dist.world_size(), dist.is_main()) == (0, 1, True)
    assert "mpi4py.MPI" not in sys.modules or _world.comm is None
    dist.barrier()
    a = np.array([1.0, 2.0], dtype=np.float32)
    out = dist.all_reduce(a, op="sum")
    assert out is not a and out.dtype == np.float32 and out.tolist() == [1.0, 2.0]
    assert dist.all_reduce(3, op="mean") == 3.0 and dist.all_reduce(3, op="sum") == 3
    assert isinstance(dist.all_reduce(cr.tensor([2.0])), cr.Tensor)
    assert dist.broadcast(np.int64(7)) == 7
    with pytest.raises(ValueError, match="op must be one of"):
        dist.all_reduce(a, op="prod")
    model = cr.nn.MLP(3, [4], 2)
    before = [p.data.copy() for p in model.parameters()]
    assert dist.broadcast_parameters(model) == 4 * (3 * 4 + 4 + 4 * 2 + 2)
    assert all(np.array_equal(b, p.data) for b, p in zip(before, model.parameters()))
    assert dist.check_in_sync(model) == 0.0


def test_rank_functions_initialise_on_first_use():
    assert not dist.is_initialized()
    assert dist.world_size() == 1 and dist.is_initialized()


@pytest.mark.parametrize("make", [lambda ps: cr.optim.SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: cr.optim.Adam(ps, lr=0.01)])
def test_wrapped_optimizer_in_one_process_is_the_plain_optimizer(make):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 3)).astype(np.float32), rng.integers(0, 2, 8)
    cr.manual_seed(1)
    a = cr.nn.MLP(3, [4], 2)
    cr.manual_seed(1)
    b = cr.nn.MLP(3, [4], 2)
    opt_a = make(list(a.parameters()))
    opt_b = dist.wrap(b, make(list(b.parameters())), debug_sync=1)
    assert isinstance(opt_b, cr.optim.Optimizer) and opt_b.bytes_per_step == 0
    sched = cr.optim.lr_scheduler.StepLR(opt_b, step_size=1, gamma=0.5)      # schedulers accept the wrapper
    for _ in range(3):
        for model, opt in ((a, opt_a), (b, opt_b)):
            opt.zero_grad()
            _step_pair(model, X, y)
            opt.step()
        opt_a.param_groups[0]["lr"] *= 0.5
        sched.step()
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert opt_b.steps == 3 and opt_b.param_groups is opt_b.optimizer.param_groups
    state = opt_b.state_dict()
    opt_b.load_state_dict(state)
    assert set(state) == {"state", "param_groups"}


def test_wrapping_needs_one_chainrule_optimizer():
    model = cr.nn.MLP(2, [], 2)
    opt = dist.DistributedOptimizer(cr.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match="already wrapped"):
        dist.DistributedOptimizer(opt)
    with pytest.raises(TypeError, match="wraps a chainrule Optimizer"):
        dist.DistributedOptimizer(object())
    with pytest.raises(ValueError, match="debug_sync"):
        dist.DistributedOptimizer(cr.optim.SGD(model.parameters(), lr=0.1), debug_sync=-1)


def test_gradient_buffer_sums_weighted_gradients_and_keeps_missing_ones_missing():
    """Two simulated ranks: the summed buffers give sum_r n_r g_r / sum_r n_r, and a parameter without a
    gradient on every rank stays without one (as in a single process)."""
    rng = np.random.default_rng(0)
    ranks = []
    for r, n in enumerate((13, 14)):
        cr.manual_seed(0)
        model = cr.nn.MLP(3, [5], 2)
        params = list(model.parameters())
        for i, p in enumerate(params[:3]):                 # the last bias gets no gradient anywhere,
            if not (r == 1 and i == 2):                    # the second weight only on rank 0
                p.grad = cr.Tensor(rng.standard_normal(p.shape).astype(np.float32))
        ranks.append((params, _GradBuffer(params), n))
    grads = [[None if p.grad is None else p.grad.data.copy() for p in params] for params, _, _ in ranks]
    for _, buf, n in ranks:
        buf.pack(float(n))
    total = ranks[0][1].buffer + ranks[1][1].buffer                     # what Allreduce(SUM) computes
    for params, buf, _ in ranks:
        assert buf.buffer.dtype == np.float32 and buf.buffer.ndim == 1 and buf.buffer.flags.c_contiguous
        assert buf.nbytes == 4 * (sum(p.size for p in params) + len(params) + 1)
        buf.buffer[...] = total
        assert buf.unpack() == 27.0
    (p0, _, _), (p1, _, _) = ranks
    for i in (0, 1):
        expect = (13 * grads[0][i] + 14 * grads[1][i]) / 27
        np.testing.assert_allclose(p0[i].grad.data, expect, rtol=1e-6)
        np.testing.assert_array_equal(p0[i].grad.data, p1[i].grad.data)
    np.testing.assert_allclose(p1[2].grad.data, 13 * grads[0][2] / 27, rtol=1e-6)
    assert p0[3].grad is None and p1[3].grad is None


def test_batch_that_does_not_divide_is_one_clear_sentence():
    assert dist.check_batch_size(40, 2) == 20 and dist.check_batch_size(7, 1) == 7
    with pytest.raises(dist.BatchSplitError) as e:
        dist.check_batch_size(41, 2)
    msg = str(e.value)
    assert isinstance(e.value, ChainruleError) and msg.replace("e.g.", "").count(".") == 1 and msg.endswith(".")
    assert "41" in msg and "2 ranks" in msg and "40 or 42" in msg
    with pytest.raises(dist.BatchSplitError, match="e.g. 4"):
        dist.check_batch_size(1, 4)
    loader = DataLoader((np.zeros((10, 2)), np.zeros(10)), batch_size=5)
    assert dist.shard_loader(loader) is loader and loader.num_shards == 1


def test_missing_mpi4py_under_a_launcher_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PMI_RANK", "0")
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)                     # import mpi4py -> ImportError
    monkeypatch.delitem(sys.modules, "mpi4py.MPI", raising=False)
    with pytest.raises(dist.MPIUnavailableError) as e:
        dist.init()
    msg = str(e.value)
    assert isinstance(e.value, ChainruleError) and "PMI_RANK" in msg and "pip install chainrule[mpi]" in msg
    assert not dist.is_initialized()
    monkeypatch.delenv("PMI_RANK")
    monkeypatch.delenv("PMI_SIZE")
    with pytest.raises(dist.MPIUnavailableError, match=r"MPI was requested .*pip install chainrule\[mpi\]"):
        dist.init(mpi=True)
    dist.init()                                                          # no launcher: fine without MPI
    assert dist.world_size() == 1
    _reset()
    monkeypatch.setenv("CHAINRULE_MPI", "1")
    with pytest.raises(dist.MPIUnavailableError, match="CHAINRULE_MPI asks for MPI"):
        dist.init()
    monkeypatch.setenv("CHAINRULE_MPI", "0")
    monkeypatch.setenv("PMI_RANK", "0")
    dist.init()                                                          # forced off under a launcher
    assert dist.world_size() == 1


def test_missing_mpi_library_says_how_to_get_one(monkeypatch):
    fake = types.ModuleType("mpi4py")
    fake.rc = types.SimpleNamespace(threads=True)

    def no_library(name):
        raise RuntimeError("cannot load MPI library\nlibmpi.so.12: cannot open shared object file")
    fake.__getattr__ = no_library
    monkeypatch.setitem(sys.modules, "mpi4py", fake)
    monkeypatch.delitem(sys.modules, "mpi4py.MPI", raising=False)
    monkeypatch.setenv("OMPI_COMM_WORLD_RANK", "0")
    with pytest.raises(dist.MPIUnavailableError) as e:
        dist.init()
    msg = str(e.value)
    assert "cannot load MPI library" in msg and "pip install chainrule[mpi]" in msg
    assert "\n" not in msg and "libmpi.so" not in msg                  # the first line of the detail only


def test_communication_estimates():
    n_params = 3072 * 512 + 512 + 512 * 10 + 10
    nbytes = 4 * n_params
    assert dist.allreduce_bytes_per_rank(nbytes, 1) == 0
    assert dist.allreduce_bytes_per_rank(nbytes, 2) == nbytes
    assert dist.allreduce_bytes_per_rank(nbytes, 8) == pytest.approx(1.75 * nbytes)
    t10 = dist.estimate_allreduce_seconds(nbytes, 8, bandwidth_gbit=10)
    assert t10 == pytest.approx(1.75 * nbytes * 8 / 10e9)
    assert dist.estimate_allreduce_seconds(nbytes, 8, 100) == pytest.approx(t10 / 10)


# ------------------------------------------------------------------------------------------ two MPI ranks
@needs_mpi
def test_collectives_on_two_ranks(tmp_path):
    res = run_worker("collectives", ranks=2, cwd=tmp_path)
    assert res.returncode == 0, res.stderr


@needs_mpi
def test_check_in_sync_notices_a_rank_that_drifted(tmp_path):
    res = run_worker("diverge", ranks=2, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "max |difference| from rank 0 = 0.25" in res.stdout


@needs_mpi
@pytest.mark.parametrize("opt, n, extra, dtype, tol", [
    ("momentum", 147, [], "float32", 2e-6),                    # short last batch of 27: shards of 13 and 14
    ("adam", 160, ["--equal-weights"], "float32", 2e-6),       # every shard 20: plain division by 2
    ("sgd", 147, [], "float64", 1e-13),
], ids=["momentum-weighted", "adam-equal", "sgd-float64"])
def test_two_ranks_train_the_same_weights_as_one_process(tmp_path, opt, n, extra, dtype, tol):
    args = ["--optimizer", opt, "--n", n, "--batch", 40, "--epochs", 3, "--dtype", dtype, *extra]
    single = run_worker("train", tmp_path / "single.npz", *args, cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    multi = run_worker("train", tmp_path / "multi.npz", *args, ranks=2, cwd=tmp_path)
    assert multi.returncode == 0, multi.stderr
    a, b = np.load(tmp_path / "single.npz"), np.load(tmp_path / "multi.npz")
    assert (int(a["world"]), int(b["world"])) == (1, 2)
    assert int(a["steps"]) == int(b["steps"]) == 3 * -(-n // 40)
    n_params = int(b["num_parameters"])
    assert n_params == 2 * 16 + 16 + 16 * 3 + 3
    itemsize = np.dtype(dtype).itemsize
    assert int(b["bytes_per_step"]) == itemsize * (n_params + 4 + 1)          # + 4 flags + 1 weight
    assert float(b["in_sync"]) == 0.0
    names = [k for k in a.files if k[0].isdigit()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for k in names:
        assert a[k].dtype == b[k].dtype == np.dtype(dtype)
        np.testing.assert_allclose(b[k], a[k], rtol=0, atol=tol * max(1.0, np.abs(a[k]).max()), err_msg=k)


@needs_mpi
def test_a_batch_that_does_not_divide_stops_every_rank_with_exit_2(tmp_path):
    res = run_worker("train", tmp_path / "x.npz", "--batch", 41, ranks=2, cwd=tmp_path)
    assert res.returncode == 2
    assert "The global batch size 41 does not divide evenly across 2 ranks" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "x.npz").exists()


@needs_mpi
def test_an_error_on_every_rank_is_reported_once_with_exit_2(tmp_path):
    res = run_worker("fail", "all", ranks=2, cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip() == "error: --lr -1 is not a number in range."      # rank 0's line only
    assert res.stdout.strip() == "stdout of rank 0"                               # rank 1 prints nothing


@needs_mpi
def test_an_error_on_one_rank_aborts_the_job_instead_of_hanging(tmp_path):
    res = run_worker("fail", "one", ranks=2, cwd=tmp_path)
    assert res.returncode == 2
    assert "worker: error: rank 1: --lr -1 is not a number in range." in res.stderr


def test_trainer_with_a_wrapped_optimizer_in_one_process_trains_the_same_weights(tmp_path):
    """The trainer's data-parallel path (stats carried by the step, agreed stop flag, writes on rank 0)
    gives the plain path's weights and metrics when there is one rank."""
    from chainrule.train import RunDir, Trainer, build_experiment, resolve
    cfg = resolve({"progress": "none", "plots": "false", "model": "mlp", "hidden": "16", "epochs": "3",
                   "batch_size": "32", "subset": "250", "optimizer": "momentum", "lr": "0.2",
                   "schedule": "cosine"})
    results = []
    for name, wrapped in (("plain", False), ("wrapped", True)):
        exp = build_experiment(cfg, RunDir.create(tmp_path, name, cfg.to_dict()), "none")
        opt = dist.wrap(exp.model, exp.optimizer, exp.loader) if wrapped else exp.optimizer
        trainer = Trainer(exp.model, opt, scheduler=exp.scheduler, reg=cfg.reg, epochs=cfg.epochs,
                          run=exp.run, progress="none")
        assert trainer.distributed == wrapped and trainer.writes
        result = trainer.fit(exp.loader, exp.splits.val, exp.splits.test)
        results.append(([p.data.copy() for p in exp.model.parameters()], result.history))
    (w_plain, h_plain), (w_wrapped, h_wrapped) = results
    for a, b in zip(w_plain, w_wrapped):
        np.testing.assert_array_equal(a, b)
    timing = ("time_s", "samples_per_s", "elapsed_s")
    for a, b in zip(h_plain, h_wrapped):
        a, b = ({k: v for k, v in h.items() if k not in timing} for h in (a, b))
        assert a.keys() == b.keys()
        for k in a:
            if k == "layers":                   # per-tensor quantiles of weights and gradients
                for name, parts in a[k].items():
                    for part, values in parts.items():
                        assert b[k][name][part] == pytest.approx(values, rel=1e-12), (name, part)
            else:
                assert b[k] == pytest.approx(a[k], rel=1e-12), k
    assert (tmp_path / "wrapped" / "final.json").is_file()


def test_step_with_a_closure_returns_its_loss_and_steps():
    model = cr.nn.Linear(3, 1)
    opt = dist.DistributedOptimizer(cr.optim.SGD(model.parameters(), lr=0.1))
    x = cr.tensor(np.ones((2, 3), dtype=np.float32))
    before = model.weight.data.copy()

    def closure():
        opt.zero_grad()
        loss = model(x).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert isinstance(loss, cr.Tensor)
    assert not np.array_equal(model.weight.data, before)


def test_anomaly_in_a_model_the_wrapped_optimizer_runs_names_the_models_line():
    """step(closure) drives the model as the trainer does: the site named is the model's line, not the caller's."""
    model = cr.nn.Linear(3, 1)
    model.weight.data[:] = np.inf
    opt = dist.DistributedOptimizer(cr.optim.SGD(model.parameters(), lr=0.1))
    with cr.detect_anomaly(), pytest.raises(cr.AnomalyError, match="created at") as info:
        opt.step(functools.partial(model, cr.tensor(np.ones((2, 3), dtype=np.float32))))
    site = str(info.value).split("created at ", 1)[1]
    assert "chainrule/nn/" in site and "test_distributed.py" not in site, site
