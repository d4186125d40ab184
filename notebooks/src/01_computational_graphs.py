# %% [markdown]
# # 1. Computational graphs, gate by gate
#
# *CS231n lecture 4, sections 4.1 to 4.3.* Backpropagation turns one huge derivative into many tiny ones. The
# function is written as a **computational graph** of simple gates; every gate knows only its own inputs and
# the gradient arriving from above, and applies one rule:
#
# $$\text{downstream gradient} = \text{local gradient} \times \text{upstream gradient}$$
#
# In this notebook you will
#
# 1. draw the lecture's worked examples, $f = (x + y)\,z$ and a sigmoid neuron, with every value and
#    gradient written on the graph (`cr.viz.graph`) and the backward pass spelled out line by line
#    (`cr.viz.explain`);
# 2. meet the four gate patterns: **add distributes, mul swaps, copy adds, max routes**;
# 3. write a gate of your own with `cr.Function` and check it with `cr.gradcheck`, which also catches a
#    wrong backward.

# %%
import numpy as np
import chainrule as cr
import chainrule.nn.functional as F

cr.manual_seed(0)
print("chainrule", cr.__version__, "| Graphviz:",
      "found" if cr.viz.dot_available() else "not installed, graphs are shown as DOT text")

# %% [markdown]
# ## 1.1 The first example: $f = (x + y)\,z$
#
# With $x = -2$, $y = 5$, $z = -4$: the forward pass gives $q = x + y = 3$ and $f = q z = -12$. Backward
# starts with $\partial f / \partial f = 1$ and walks the graph from the end:
#
# - the mul gate: $\partial f/\partial z = q = 3$ and $\partial f/\partial q = z = -4$ (each input gets
#   the *other* input's value);
# - the add gate: local gradients are 1, so $x$ and $y$ both receive the upstream $-4$.
#
# `cr.viz.graph` draws exactly this. Values are green, gradients red, and each edge reads
# "downstream = local × upstream". The picture computes its own gradients (with `cr.grad`), so it never
# changes the `.grad` of your tensors.

# %%
x = cr.tensor(-2.0, requires_grad=True, name="x")
y = cr.tensor(5.0, requires_grad=True, name="y")
z = cr.tensor(-4.0, requires_grad=True, name="z")
q = x + y
q.name = "q"
f = q * z
f.name = "f"
cr.viz.graph(f, title="f = (x + y) z")

# %% [markdown]
# The same backward pass in words, in the order the engine runs it. Each line is one application of the
# rule: the gradient sent down to an input equals the gate's local gradient times the gradient that came
# from above.

# %%
for line in cr.viz.explain(f):
    print(line)

# %% [markdown]
# And the engine's ordinary `backward()` agrees: it fills `.grad` of every leaf.

# %%
f.backward()
print("df/dx =", x.grad.item(), " df/dy =", y.grad.item(), " df/dz =", z.grad.item())


# %% [markdown]
# ## 1.2 A sigmoid neuron
#
# The lecture's second example is a neuron with two inputs and a sigmoid:
#
# $$f(w, x) = \frac{1}{1 + e^{-(w_0 x_0 + w_1 x_1 + w_2)}}, \qquad w_0 = 2,\ x_0 = -1,\ w_1 = -3,\ x_1 = -2,\ w_2 = -3.$$
#
# Written with primitive gates only (mul, add, neg, exp, +1, 1/x) the graph is long, but no gate needs to
# know the whole formula: each multiplies what arrives by its own small derivative. (`float64` keeps the
# printed numbers clean.)

# %%
def named(t, name):
    t.name = name
    return t


w0, x0, w1, x1, w2 = (cr.tensor(v, dtype="float64", requires_grad=True, name=n)
                      for n, v in [("w0", 2.0), ("x0", -1.0), ("w1", -3.0), ("x1", -2.0), ("w2", -3.0)])
p0 = named(w0 * x0, "p0")
p1 = named(w1 * x1, "p1")
s = named(named(p0 + p1, "h") + w2, "s")      # s = w0 x0 + w1 x1 + w2 = 1
e = named(cr.exp(named(-s, "m")), "e")        # e = exp(-s)
d = named(1 + e, "d")
out = named(1 / d, "f")                       # f = 1 / (1 + exp(-s)) = 0.73
cr.viz.graph(out, title="sigmoid neuron, primitive gates")

# %%
for line in cr.viz.explain(out):
    print(line)

# %% [markdown]
# Read the lines from the top: the 1/x gate turns the upstream 1 into $-1/d^2 = -0.53$, the +1 gate passes
# it on unchanged, the exp gate multiplies by $e^{m} = 0.37$, the neg gate flips the sign, and from $s$ on
# the add gates hand $0.20$ to every branch, where the mul gates swap in the other input.
#
# **A bigger gate.** The four gates at the end form $\sigma(s)$, whose derivative is
# $\sigma(s)\,(1 - \sigma(s)) = 0.73 \times 0.27 = 0.20$. Any piece of the graph whose local gradient
# you can write down can be one gate; `cr.sigmoid` is such a gate, and the gradients do not change.

# %%
sig = named(cr.sigmoid(named(w0 * x0 + w1 * x1 + w2, "s")), "f")
for line in cr.viz.explain(sig):
    print(line)

inputs = [w0, x0, w1, x1, w2]
long_way = cr.grad(out, inputs)
one_gate = cr.grad(sig, inputs, retain_graph=True)    # keep the graph: it is drawn below
print("\nsame gradients:", all(np.allclose(a.data, b.data) for a, b in zip(long_way, one_gate)))
cr.viz.graph(sig, title="the same neuron with one sigmoid gate")

# %% [markdown]
# ## 1.3 The four gate patterns
#
# | gate | local gradients | backward | role |
# |---|---|---|---|
# | add $z = a + b$ | 1, 1 | both inputs get the upstream gradient | **gradient distributor** |
# | mul $z = a b$ | $b$, $a$ | each input gets upstream x the *other* input | **swap multiplier** |
# | copy ($a$ used twice) | | the branches' gradients are **summed** | **gradient adder** |
# | max $z = \max(a, b)$ | 1 for the winner, 0 otherwise | only the larger input gets the gradient | **gradient router** |
#
# Below, each gate's output $z$ is multiplied by 2 (the last line, $L = 2z$) so that the upstream
# gradient arriving at the gate is 2, not 1. Inputs: $a = 3$, $b = -2$.

# %%
a = cr.tensor(3.0, requires_grad=True, name="a")
b = cr.tensor(-2.0, requires_grad=True, name="b")

gates = {
    "add: gradient distributor": lambda: a + b,
    "mul: swap multiplier": lambda: a * b,
    "copy: gradient adder (z = a*b + a)": lambda: a * b + a,
    "max: gradient router": lambda: cr.maximum(a, b),
}
for title, gate in gates.items():
    z = named(gate(), "z")
    L = named(z * 2.0, "L")
    print(title)
    for line in cr.viz.explain(L)[2:]:      # skip the start and the L = 2z line
        print("    " + line)

# %% [markdown]
# In the picture of the copy gate, $a$ has a double orange border: it feeds two gates, and its gradient is
# the sum of what the two branches send back ($b \cdot 2 + 1 \cdot 2 = -2$).

# %%
L = named(named(a * b + a, "z") * 2.0, "L")
cr.viz.graph(L, title="copy gate: a is used twice, its gradients add up")

# %% [markdown]
# The router also works on vectors: `max` over a vector sends the whole gradient to the largest element,
# and ReLU, $\max(0, x)$, routes it to the inputs that were positive. At an exact tie chainrule splits the
# gradient equally (a documented convention, see `docs/engine.md`).

# %%
v = cr.tensor([0.5, 2.0, -1.0, 1.5], requires_grad=True)
print("max:  ", cr.grad(cr.max(v), [v])[0])
print("relu: ", cr.grad(cr.relu(v).sum(), [v])[0])
t = cr.tensor([2.0, 2.0], requires_grad=True)
print("tie:  ", cr.grad(cr.max(t), [t])[0])


# %% [markdown]
# ## 1.4 Your own gate: `cr.Function`
#
# A gate is a local process: `forward` computes the output from the inputs and saves what the derivative
# will need; `backward` receives the upstream gradient `g` and returns local × upstream, one gradient per
# input. Here is the sigmoid gate, which saves its output, because $\sigma' = \sigma(1 - \sigma)$.

# %%
class SigmoidGate(cr.Function):
    @staticmethod
    def forward(ctx, x):
        out = 1.0 / (1.0 + np.exp(-x.data))
        ctx.save_for_backward(out)
        return cr.tensor(out)

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1.0 - out)          # local gradient x upstream gradient


s = named(w0 * x0 + w1 * x1 + w2, "s")
mine = named(SigmoidGate.apply(s), "f")
print("f =", mine.item(), " gradients equal to cr.sigmoid's:",
      all(np.allclose(p.data, q.data) for p, q in zip(cr.grad(mine, inputs, retain_graph=True), one_gate)))
cr.viz.graph(mine, title="the neuron with our SigmoidGate")

# %% [markdown]
# **Check it numerically.** `cr.gradcheck` compares the backward pass with centered finite differences,
# $(f(x + h) - f(x - h)) / 2h$, element by element, using CS231n's relative error
# $|a - n| / \max(|a| + |n|, 10^{-8})$. It wants `float64` inputs: in `float32` the differences are
# swamped by rounding. This is the lecture's numerical gradient, used the right way: not to train (one
# forward pass per weight is far too slow) but to test the analytic gradient.

# %%
xs = cr.tensor([0.5, -1.5, 2.0, 0.0], dtype="float64", requires_grad=True)
print("gradcheck:", cr.gradcheck(SigmoidGate.apply, [xs]))

(analytic,) = cr.grad(SigmoidGate.apply(xs).sum(), [xs])
(numerical,) = cr.numerical_grad(lambda t: SigmoidGate.apply(t).sum(), [xs])
print("analytic: ", analytic.data)
print("numerical:", numerical)
print("relative error:", cr.rel_error(analytic.data, numerical))


# %% [markdown]
# **Now a wrong backward.** A classic slip: forget the $(1 - \sigma)$ factor. Nothing crashes and training
# would even run, just badly. `gradcheck` names the input, the worst element and both values.

# %%
class BuggySigmoid(SigmoidGate):
    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out                        # wrong: the (1 - out) factor is missing


try:
    cr.gradcheck(BuggySigmoid.apply, [xs])
except cr.GradcheckError as err:
    print("caught:", err)

# %% [markdown]
# ## Summary
#
# - A computational graph splits a function into gates; backward visits them from the output back and each
#   applies *downstream = local × upstream* (lecture eq. 5). One forward and one backward pass give the
#   gradient for every input at once.
# - add distributes, mul swaps, copy adds, max routes: these four patterns explain most of what you see in
#   a backward pass.
# - A new gate needs only its forward and its local gradient; `cr.gradcheck` tells you whether the
#   local gradient is right.
#
# Next: `02_vectorized_backprop.ipynb`, the same rules with matrices.
