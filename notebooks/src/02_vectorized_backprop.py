# %% [markdown]
# # 2. Vectorized backprop: matrix gradients, the shape rule, the Jacobian you never build
#
# *CS231n lecture 4, section 4.4.* In a real network $x$ and $W$ are matrices. The chain rule still holds,
# but the local "gradient" of a vector function is a **Jacobian matrix**, and for a layer of realistic size
# it is far too large to build. Backprop never builds it: each gate computes the vector-Jacobian product
# (VJP) directly, usually as a multiplication by a transposed matrix.
#
# 1. $y = x W$ by hand: $dW = x^T g$ and $dx = g W^T$, against the engine;
# 2. the shape rule: a gradient always has the shape of its variable;
# 3. the Jacobian on a tiny layer (`cr.jacobian`), and its memory bill for a 4096 -> 4096 layer
#    compared with what backprop really allocates.

# %%
import numpy as np
import chainrule as cr
import chainrule.nn.functional as F

cr.manual_seed(0)
print("chainrule", cr.__version__, "| Graphviz:",
      "found" if cr.viz.dot_available() else "not installed, graphs are shown as DOT text")

# %% [markdown]
# ## 2.1 $y = x W$ by hand
#
# Take a batch $x$ of shape $(N, D)$, weights $W$ of shape $(D, M)$ and $y = x W$ of shape $(N, M)$. Let
# $g = \partial L / \partial y$ be the upstream gradient, shape $(N, M)$. Since
# $y_{nm} = \sum_d x_{nd} W_{dm}$, the weight $W_{dm}$ touches every row $n$, and its gradient adds them
# up (a copy gate!):
#
# $$\frac{\partial L}{\partial W_{dm}} = \sum_n x_{nd}\, g_{nm} \quad\Longrightarrow\quad dW = x^T g, \qquad dx = g\, W^T.$$

# %%
rng = np.random.default_rng(0)
N, D, M = 4, 3, 5
x = cr.tensor(rng.standard_normal((N, D)), requires_grad=True, name="x")
W = cr.tensor(rng.standard_normal((D, M)), requires_grad=True, name="W")
g = rng.standard_normal((N, M))                  # the upstream gradient dL/dy

y = x @ W
y.backward(cr.tensor(g))                         # a non-scalar output needs its upstream gradient

dW_by_hand = x.data.T @ g
dx_by_hand = g @ W.data.T
print("dW: engine vs x.T @ g, relative error", cr.rel_error(W.grad.data, dW_by_hand))
print("dx: engine vs g @ W.T, relative error", cr.rel_error(x.grad.data, dx_by_hand))

# %% [markdown]
# The same rules hold inside a whole network. Here is a small 2-layer net (in a notebook a module shows
# itself as a tree with the parameter count of every part), and its graph for one batch: the boxes are
# matrices now, so the picture shows shapes, the mean and spread of each value and the norm of each
# gradient instead of the numbers themselves.

# %%
model = cr.nn.MLP(3, [4], 2)          # f = W2 max(0, W1 x)
model

# %%
xb = cr.tensor(rng.standard_normal((8, 3)).astype(np.float32))
yb = rng.integers(0, 2, size=8)
loss = F.cross_entropy(model(xb), yb)
cr.viz.graph(loss, module=model, title="2-layer net on a batch of 8")

# %% [markdown]
# ## 2.2 The shape rule
#
# The lecture's sanity check: **the gradient of a variable always has the shape of that variable**. If
# $W$ is $(100, 3072)$, so is $dW$; that alone tells you whether to write $x^T g$ or $g^T x$. chainrule
# enforces the rule on every edge of every backward pass.

# %%
loss.backward()
for name, p in model.named_parameters():
    print(f"{name:10s} value {str(p.shape):10s} gradient {str(p.grad.shape):10s}",
          "ok" if p.grad.shape == p.shape else "WRONG")


# %% [markdown]
# A gate that breaks the rule is stopped at once, with the op and both shapes named. This one returns
# $g^T x$ instead of $x^T g$ for $dW$: the right numbers, transposed. (With square matrices the shapes
# would agree, and only `cr.gradcheck` would catch the mistake.)

# %%
class WrongMatmul(cr.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x.data, w.data)
        return cr.tensor(x.data @ w.data)

    @staticmethod
    def backward(ctx, g):
        xd, wd = ctx.saved_tensors
        return g @ wd.T, g.T @ xd             # the second should be xd.T @ g


x2 = cr.tensor(rng.standard_normal((N, D)), requires_grad=True)
try:
    WrongMatmul.apply(x2, W).sum().backward()
except cr.ShapeError as err:
    print("caught:", err)

# %% [markdown]
# ## 2.3 The Jacobian you never build
#
# For $y = x W$ with $x$ of shape $(N, D)$ the full Jacobian $\partial y / \partial x$ has shape
# $(N, M, N, D)$: one entry for every pair (output element, input element). `cr.jacobian` builds it, one VJP
# per output element. On a tiny layer we can look at it: it is almost all zeros, because row $n$ of $y$
# depends only on row $n$ of $x$, and the non-zero blocks are just copies of $W^T$.

# %%
J = np.asarray(cr.jacobian(lambda t: t @ W, x))
print("Jacobian shape:", J.shape, " entries:", J.size, " zeros:", f"{np.mean(J == 0):.0%}")
print("block (n=0, n'=0) equals W.T:", np.allclose(J[0, :, 0, :], W.data.T))
print("block (n=0, n'=1) is zero:   ", np.all(J[0, :, 1, :] == 0))

vjp = np.tensordot(g, J, axes=2)          # g . J: what backward returns ...
print("g . J equals g @ W.T:        ", np.allclose(vjp, g @ W.data.T))   # ... computed without J

# %% [markdown]
# Elementwise gates are even simpler: the Jacobian of ReLU is diagonal, with 1 where the input was
# positive, so its VJP is just a mask.

# %%
u = cr.tensor([1.5, -0.3, 0.7, -2.0, 0.2], requires_grad=True)
print(np.asarray(cr.jacobian(cr.relu, u)))

# %% [markdown]
# **The memory bill.** Now a realistic layer: 4096 inputs, 4096 outputs, a batch of 64 (the lecture's
# example). The input and the output each have $64 \times 4096 = 262{,}144$ elements, so the Jacobian has
# $262{,}144^2 \approx 6.9 \times 10^{10}$ entries: **275 GB** in float32. Backprop instead needs the VJP,
# a few arrays the size of $x$ and $W$. We measure its peak with `tracemalloc` (NumPy reports its arrays
# to it) for one forward and backward pass of $\text{relu}(x W)$.

# %%
import gc
import time
import tracemalloc

B, WIDTH = 64, 4096
jacobian_bytes = (B * WIDTH) ** 2 * 4          # float32 entries of d(output)/d(input)

xd = rng.standard_normal((B, WIDTH)).astype(np.float32)
wd = (rng.standard_normal((WIDTH, WIDTH)) / np.sqrt(WIDTH)).astype(np.float32)
gd = rng.standard_normal((B, WIDTH)).astype(np.float32)


def forward_backward():
    xt = cr.tensor(xd, requires_grad=True)
    wt = cr.tensor(wd, requires_grad=True)
    (xt @ wt).relu().backward(cr.tensor(gd))
    assert xt.grad.shape == xt.shape and wt.grad.shape == wt.shape     # the shape rule again


gc.collect()
tracemalloc.start()
start = time.perf_counter()
forward_backward()
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()

print(f"explicit Jacobian d(out)/d(x): {jacobian_bytes / 1e9:8.1f} GB")
print(f"backprop, measured peak:       {peak / 1e9:8.3f} GB  (W alone is {wd.nbytes / 1e9:.3f} GB)")
print(f"ratio: {jacobian_bytes / peak:,.0f} x less memory, forward + backward in {seconds:.2f} s")

# %% [markdown]
# ## Summary
#
# - Matrix gradients follow from the scalar rules: for $y = xW$, $dW = x^T g$ and $dx = g W^T$.
# - The shape rule is the fastest check on a hand derivation, and chainrule enforces it on every edge.
# - The Jacobian of a real layer is huge and mostly zeros; every gate computes the product $g \cdot J$
#   directly, and the whole backward pass costs about as much memory as the weights.
#
# Next: `03_activation_functions.ipynb`.
