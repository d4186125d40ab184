# %% [markdown]
# # 3. Activation functions: saturation, vanishing gradients, dead ReLUs
#
# *CS231n lecture 4, sections 1.3 and 2.* Without a non-linearity a deep network collapses into one
# matrix ($W_2 W_1 = W_3$). Which non-linearity you pick decides how well gradients flow back through it:
#
# 1. the functions and their derivatives, with the regions where little gradient passes;
# 2. saturation: large inputs make sigmoid and tanh flat;
# 3. vanishing gradients through depth: per-layer gradient norms in a 10-layer net;
# 4. dead ReLUs: units that never fire and never learn.

# %%
import numpy as np
import chainrule as cr
import chainrule.nn.functional as F

cr.manual_seed(0)
print("chainrule", cr.__version__, "| Graphviz:",
      "found" if cr.viz.dot_available() else "not installed, graphs are shown as DOT text")

# %%
import tempfile
from pathlib import Path
from IPython.display import Image, display

_figures = tempfile.TemporaryDirectory(prefix="chainrule-figures-")   # removed when the kernel stops
FIGURES = Path(_figures.name)                                         # cr.viz.plots functions write files here


def show(path):
    display(Image(filename=str(path)))


# %% [markdown]
# ## 3.1 The functions and their derivatives
#
# Each panel shows $f(x)$ (green) and $f'(x)$ (red, dashed). Light grey marks the saturated tails, where
# $|f'(x)| < 0.05$ and still shrinking: a unit there passes back less than 5% of the gradient it receives,
# less and less as the input grows. Hatched marks $f'(x) = 0$ exactly, ReLU's dead side. Leaky ReLU's
# negative side is not shaded: its slope 0.01 is small but never 0, so the unit keeps learning. The
# derivatives are not typed in: they come
# from chainrule's own backward pass, so the page is also a visual test of the derivative table.

# %%
show(cr.viz.plots.plot_activations(FIGURES / "activations.png"))

# %%
points = np.array([0.0, 2.0, 5.0, 10.0, -5.0])
print(f"{'':10s}" + "".join(f"f'({p:g})".rjust(11) for p in points))
for name in ["sigmoid", "tanh", "relu", "leaky_relu", "gelu"]:
    _, df = cr.viz.plots.activation_derivatives(name, points)
    print(f"{name:10s}" + "".join(f"{v:11.4f}" for v in df))

# %% [markdown]
# Sigmoid's derivative is at most $0.25$ (at 0) and is $4.5 \times 10^{-5}$ at $x = 10$. Tanh's is at most 1
# but also vanishes at both ends. ReLU passes the gradient unchanged for every positive input and nothing
# at all for negative ones; Leaky ReLU keeps a small $0.01$ there.

# %% [markdown]
# ## 3.2 Saturation
#
# A unit computes $\tanh(w \cdot x)$. When the weights are large, $|w \cdot x|$ is large, the unit sits on
# a flat end and its local gradient is almost 0: whatever arrives from above is multiplied by nearly
# nothing. Below, one tanh layer of 256 units on 500 random inputs, with weights scaled up step by step.

# %%
rng = np.random.default_rng(0)
inputs = rng.standard_normal((500, 100))
base = rng.standard_normal((100, 256)) / np.sqrt(100)      # scale 1: pre-activations ~ N(0, 1)

print("weight scale   saturated units (|tanh| > 0.99)   mean local gradient 1 - tanh^2")
for scale in [0.1, 1.0, 3.0, 10.0]:
    h = np.tanh(inputs @ (scale * base))
    print(f"{scale:12g}   {np.mean(np.abs(h) > 0.99):31.1%}   {np.mean(1 - h ** 2):30.4f}")

# %% [markdown]
# ## 3.3 Vanishing gradients through depth
#
# By the chain rule, the gradient reaching layer 1 of a deep net has been multiplied by one local
# gradient per layer. With sigmoid each factor is at most $0.25$, so ten layers can shrink it by
# $0.25^{10} \approx 10^{-6}$. We build 10-layer MLPs (64 units per layer) on the spiral data set, each
# with the initialization suited to its activation (Xavier for sigmoid and tanh, He for ReLU), run one
# backward pass and print the norm of every layer's weight gradient.

# %%
spiral = cr.data.load_dataset("spiral", seed=0)
X, y = cr.tensor(spiral.train.X), spiral.train.y


def gradient_norms(activation, depth=10, width=64):
    cr.manual_seed(0)
    net = cr.nn.MLP(2, [width] * depth, 3, activation=activation)
    for layer in net.linear_layers:
        if activation == "relu":
            cr.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        else:
            cr.nn.init.xavier_normal_(layer.weight)
        cr.nn.init.zeros_(layer.bias)
    F.cross_entropy(net(X), y).backward()
    return [float(np.linalg.norm(layer.weight.grad.data)) for layer in net.linear_layers[:-1]]


norms = {act: gradient_norms(act) for act in ["sigmoid", "tanh", "relu"]}
print("layer " + "".join(f"{act:>11s}" for act in norms))
for i in range(10):
    print(f"{i + 1:5d} " + "".join(f"{norms[act][i]:11.2e}" for act in norms))
show(cr.viz.plots.plot_gradient_norms(norms, FIGURES / "gradient_norms.png",
                                      title="gradient norm of each layer's weights, 10-layer MLP"))


# %% [markdown]
# With sigmoid the first layer gets a gradient about a million times smaller than the last one: its
# weights would barely move, which is why sigmoid and tanh are rarely used in hidden layers today
# (lecture 2.1). Tanh, centred at 0 with a slope of 1 there, and ReLU with He initialization keep the norms
# within one order of magnitude from the last layer to the first.

# %% [markdown]
# ## 3.4 Dead ReLUs
#
# A ReLU unit whose pre-activation is negative for *every* input always outputs 0, so its local gradient
# is always 0 and its incoming weights never change again: the unit is dead. A too-large learning rate is
# the usual cause: one big step pushes the weights to where the unit never fires. We train the same
# 2-layer-hidden MLP on the spiral data with a sensible and a far too large learning rate, and after each
# epoch count the units that are inactive on the whole training set.

# %%
def dead_fraction(net, X):
    """For each ReLU layer: the fraction of units that output 0 for every row of X."""
    outputs = []
    hooks = [m.register_forward_hook(lambda module, inp, out: outputs.append(out.data))
             for m in net.modules() if isinstance(m, cr.nn.ReLU)]
    with cr.no_grad():
        net(X)
    for h in hooks:
        h.remove()
    return [float(np.mean(out.max(axis=0) <= 0)) for out in outputs]


def train_spiral(lr, epochs=10):
    cr.manual_seed(0)
    net = cr.nn.MLP(2, [100, 100], 3)
    opt = cr.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    loader = cr.data.DataLoader(spiral.train, batch_size=32, shuffle=True, seed=0)
    dead = [dead_fraction(net, X)]                  # epoch 0: at initialization
    for epoch in range(epochs):
        for Xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(net(cr.tensor(Xb)), yb).backward()
            opt.step()
        dead.append(dead_fraction(net, X))
    with cr.no_grad():
        acc = float(np.mean(net(X).data.argmax(axis=1) == y))
    return net, np.array(dead), acc


runs = {lr: train_spiral(lr) for lr in [0.1, 1.0]}
curves = {}
for lr, (net, dead, acc) in runs.items():
    print(f"lr {lr:3g}: dead units at initialization {dead[0, 0]:.0%} / {dead[0, 1]:.0%}, "
          f"after training {dead[-1, 0]:.0%} / {dead[-1, 1]:.0%} (layer 1 / layer 2); "
          f"train accuracy {acc:.1%}")
    curves.update({f"lr {lr:g}, layer {k + 1}": dead[:, k] for k in range(dead.shape[1])})
show(cr.viz.plots.plot_dead_relu(curves, FIGURES / "dead_relu.png", steps=np.arange(len(dead))))

# %% [markdown]
# With the sensible learning rate about one unit in six is dead already at initialization (with only two
# input features, a unit whose boundary line misses the data entirely never fires) and training barely
# changes that. With the large one, most units die within a few epochs and the accuracy collapses: the
# network has thrown away its own capacity.
#
# A dead unit really gets no gradient: in the net trained with the large learning rate, the rows of the
# first weight matrix that belong to dead units receive exactly zero gradient, so nothing can revive them.

# %%
net, dead, _ = runs[1.0]
first = net.linear_layers[0]
with cr.no_grad():
    pre = first(X).data                             # pre-activations of the first hidden layer
is_dead = pre.max(axis=0) <= 0
net.zero_grad()
F.cross_entropy(net(X), y).backward()
row_norms = np.linalg.norm(first.weight.grad.data, axis=1)
print(f"dead units in layer 1: {is_dead.sum()} of {is_dead.size}")
print("largest gradient reaching a dead unit's weights:", row_norms[is_dead].max(initial=0.0))
print("mean gradient norm of a live unit's weights:   ", row_norms[~is_dead].mean())

# %% [markdown]
# ## Rules of thumb (lecture 2.4)
#
# - Hidden layers: use **ReLU** by default, the same activation in every hidden layer; with a sensible
#   learning rate and He initialization few units die. Leaky ReLU, ELU, GELU and SiLU are smooth or leaky
#   variants that keep some gradient for negative inputs.
# - Avoid sigmoid and tanh in deep stacks of hidden layers: they saturate and the gradient vanishes.
# - The output layer depends on the task: softmax for multi-class classification, sigmoid for binary,
#   nothing (linear) for regression.
#
# Next: `04_linear_to_two_layer_cifar10.ipynb`.
