# %% [markdown]
# # 4. From a linear classifier to a 2-layer net on CIFAR-10
#
# *CS231n lecture 4, sections 1.1, 1.2 and 3.1.* A linear classifier $f = Wx$ learns **one template per
# class**; a 2-layer net $f = W_2 \max(0, W_1 x)$ learns as many templates as it has hidden units and
# shares them between classes. We train both on a small subset of **CIFAR-10 (JPEG copy)**, look at the
# templates, and then measure the lecture's advice on network size and regularization.
#
# To stay within a few minutes on two CPU cores we use 5,000 training images (500 per class), 1,000 for
# validation and 1,000 test images. Accuracies are therefore lower and noisier than on the full
# 50,000 images; the comparisons still hold.

# %%
import os
import time
from collections import Counter

import numpy as np
import chainrule as cr
import chainrule.nn.functional as F
from tqdm.auto import tqdm

# %%
import tempfile
from pathlib import Path
from IPython.display import Image, display

_figures = tempfile.TemporaryDirectory(prefix="chainrule-figures-")   # removed when the kernel stops
FIGURES = Path(_figures.name)                                         # cr.viz.plots functions write files here


def show(path):
    display(Image(filename=str(path)))


# %% [markdown]
# ## 4.1 The data
#
# The notebook looks for the archive at `../shared/data/cifar10-jpeg.tar` relative to the root of the
# chainrule repository it belongs to (set `CHAINRULE_CIFAR10_JPEG` to use another path). If it is not
# there, the cells marked `%%needs_cifar` print a note and are skipped instead of failing.
#
# We read only the images we need straight from the tar (one pass, about ten seconds), decode them with
# `cr.data.decode_images` and normalize per channel with statistics from the training images only. (For
# the full data set, `cr.data.load_dataset("folder:" + path)` decodes all 60,000 images once and caches
# them.)

# %%
from pathlib import Path
from IPython.core.magic import register_cell_magic


def repository_root():
    """The chainrule checkout: found from the working folder, else from the imported package."""
    for start in (Path.cwd(), Path(cr.__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "pyproject.toml").is_file() and (folder / "src" / "chainrule").is_dir():
                return folder
    return None


ROOT = repository_root()
default = ROOT / ".." / "shared" / "data" / "cifar10-jpeg.tar" if ROOT else Path("cifar10-jpeg.tar")
TAR = Path(os.environ.get("CHAINRULE_CIFAR10_JPEG") or default).resolve()
HAVE_DATA = TAR.is_file()
if HAVE_DATA:
    print(f"CIFAR-10 (JPEG copy): {TAR}")
else:
    print(f"CIFAR-10 (JPEG copy) not found at {TAR}.\n"
          "The cells marked %%needs_cifar will be skipped. Put the archive there, or set "
          "CHAINRULE_CIFAR10_JPEG to its path, and run the notebook again.")


@register_cell_magic
def needs_cifar(line, cell):
    """Run the cell only when CIFAR-10 (JPEG copy) was found."""
    if not HAVE_DATA:
        print("skipped: CIFAR-10 (JPEG copy) is not available (see the cell above)")
        return
    get_ipython().run_cell(cell).raise_error()


# %%
# %%needs_cifar
PER_CLASS = {"train": 600, "test": 100}     # 600 per class: 500 to train on, 100 to validate
CLASSES = cr.data.CIFAR10_CLASSES
taken = Counter()


def split_and_class(path):                  # "cifar10-jpeg/train/cat/0001.jpg" -> ("train", "cat")
    parts = path.split("/")
    return (parts[-3], parts[-2]) if len(parts) >= 3 else (None, None)


def wanted(path):
    split, name = split_and_class(path)
    if split not in PER_CLASS or name not in CLASSES:
        return False
    taken[split, name] += 1
    return taken[split, name] <= PER_CLASS[split]


start = time.perf_counter()
files = {"train": [], "test": []}
for path, data in cr.data.iter_tar_files(TAR, wanted):
    files[split_and_class(path)[0]].append((path, data))
images = {split: cr.data.decode_images(items) for split, items in files.items()}       # uint8 (N, 32, 32, 3)
labels = {split: np.array([CLASSES.index(split_and_class(p)[1]) for p, _ in items])
          for split, items in files.items()}

train_idx, val_idx = cr.data.train_val_split(labels["train"], 1000, seed=0)           # stratified
pre = cr.data.Preprocessor("per_channel").fit(images["train"][train_idx])


def dataset(X, y):
    return cr.data.Dataset(pre.transform(X), y, CLASSES, cr.data.CIFAR10_JPEG_NAME, (32, 32, 3))


train = dataset(images["train"][train_idx], labels["train"][train_idx])
val = dataset(images["train"][val_idx], labels["train"][val_idx])
test = dataset(images["test"], labels["test"])
print(f"{train.name}: train {train.X.shape}, val {val.X.shape}, test {test.X.shape} "
      f"in {time.perf_counter() - start:.1f} s; per class in train: {set(train.class_counts())}")
samples = np.concatenate([images["train"][labels["train"] == k][:8] for k in range(10)])
print("rows:", ", ".join(CLASSES))
show(cr.viz.plots.plot_templates(samples.reshape(len(samples), -1), FIGURES / "samples.png",
                                 image_shape=(32, 32, 3), ncols=8, title="training images, one row per class"))


# %% [markdown]
# ## 4.2 The training loop
#
# One function trains every model in this notebook: minibatch SGD with momentum on the softmax
# cross-entropy plus the L2 penalty $\lambda \sum W^2$ (`cr.nn.l2_penalty`). With `live=True` it shows
# a `tqdm` bar per epoch and `cr.viz.LiveCurves`, loss and accuracy curves that redraw in place after every
# epoch (and follow the batch loss within an epoch).

# %%
def evaluate(model, data):
    """(loss, accuracy) on a whole Dataset, in eval mode and without building a graph."""
    model.eval()
    with cr.no_grad():
        scores = model(cr.tensor(data.X))
    model.train()
    return F.cross_entropy(scores, data.y).item(), float(np.mean(scores.data.argmax(axis=1) == data.y))


def fit(model, *, epochs, lr, reg, batch_size=100, live=False, title=None):
    cr.manual_seed(0)
    opt = cr.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loader = cr.data.DataLoader(train, batch_size=batch_size, shuffle=True, seed=0)
    curves = cr.viz.LiveCurves(title=title, steps_per_epoch=len(loader)) if live else None
    for epoch in range(1, epochs + 1):
        batches = tqdm(loader, desc=f"epoch {epoch}/{epochs}", leave=False) if live else loader
        for Xb, yb in batches:
            loss = F.cross_entropy(model(cr.tensor(Xb)), yb) + cr.nn.l2_penalty(model, reg)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if live:
                curves.step(loss=loss.item())
        if live:
            (tl, ta), (vl, va) = evaluate(model, train), evaluate(model, val)
            curves.update(epoch=epoch, train_loss=tl, val_loss=vl, train_acc=ta, val_acc=va)
    if live:
        curves.close()
    return model


# %% [markdown]
# ## 4.3 The linear classifier: one template per class
#
# `cr.nn.MLP(3072, [], 10)` has no hidden layer: it is $f = Wx + b$, with $W$ of shape $(10, 3072)$. Its
# weights start at zero, so that the pictures below show only what was learned, not a random start.

# %%
# %%needs_cifar
linear = cr.nn.MLP(3072, [], 10)
cr.nn.init.zeros_(linear.linear_layers[0].weight)
fit(linear, epochs=6, lr=1e-3, reg=1e-3, live=True, title="linear classifier")
print(f"linear classifier: test accuracy {evaluate(linear, test)[1]:.1%} (chance: 10%)")

# %% [markdown]
# Each row of $W$ is a template: the score of a class is the dot product of the image with that class's
# row. Drawn as images they are blurry averages: the car template is the "ghost car" of the lecture,
# the mean of red, blue, left- and right-facing cars; the horse template may even have two heads.

# %%
# %%needs_cifar
show(cr.viz.plots.plot_templates(linear.linear_layers[0].weight, FIGURES / "linear_templates.png",
                                 image_shape=(32, 32, 3), class_names=CLASSES,
                                 title="linear classifier: one template per class"))


# %% [markdown]
# ## 4.4 The 2-layer net: 100 templates, shared between classes
#
# $f = W_2 \max(0, W_1 x)$ with 100 hidden units. $W_1$ holds 100 templates; the second layer scores each
# class as a weighted combination of how strongly each template matched, so a "horse facing left" unit and
# a "horse facing right" unit can both vote for *horse*, and a unit that detects a colour or an edge can
# vote for several classes. $W_1$ starts small (standard deviation $10^{-3}$, as in the CS231n
# assignments) so that its templates, too, show what was learned.

# %%
def two_layer(hidden):
    model = cr.nn.MLP(3072, [hidden], 10)
    cr.nn.init.normal_(model.linear_layers[0].weight, std=1e-3)
    return model


cr.manual_seed(0)
net = two_layer(100)
net

# %%
# %%needs_cifar
fit(net, epochs=6, lr=5e-3, reg=1e-3, live=True, title="2-layer net, 100 hidden units")
print(f"2-layer net: test accuracy {evaluate(net, test)[1]:.1%}   "
      f"(linear classifier: {evaluate(linear, test)[1]:.1%})")
show(cr.viz.plots.plot_templates_comparison(linear.linear_layers[0].weight, net.linear_layers[0].weight,
                                            FIGURES / "templates.png", class_names=CLASSES,
                                            image_shape=(32, 32, 3)))

# %% [markdown]
# **Why the max matters.** Remove it and the two layers collapse into one matrix, $W_2 W_1 = W_3$
# (lecture eq. 2): the "deep" net is a linear classifier again, with the same 10-template limit.

# %%
no_max = cr.nn.MLP(3072, [100], 10, activation=None)
W3, b3 = no_max.collapsed()
probe = np.random.default_rng(0).standard_normal((5, 3072)).astype(np.float32)
with cr.no_grad():
    two_layers = no_max(cr.tensor(probe)).data
one_matrix = probe @ np.asarray(W3).T + np.asarray(b3)
print("W3:", np.asarray(W3).shape, " max |two layers - one matrix| =", np.abs(two_layers - one_matrix).max())

# %% [markdown]
# ## 4.5 Network size and regularization
#
# The lecture's question: to avoid overfitting, use a small network, or a big one with regularization?
# The answer: **prefer the big network and control overfitting with the regularization strength
# $\lambda$**. Below, 2-layer nets of 10, 50 and 200 hidden units, each with three values of $\lambda$,
# trained for 5 epochs each.

# %%
# %%needs_cifar
from IPython.display import Markdown

rows = []
grid = [(hidden, reg) for hidden in [10, 50, 200] for reg in [0.0, 1e-2, 3e-2]]
for hidden, reg in tqdm(grid, desc="size x regularization"):
    cr.manual_seed(0)
    model = fit(two_layer(hidden), epochs=5, lr=5e-3, reg=reg)
    train_acc, val_acc = evaluate(model, train)[1], evaluate(model, val)[1]
    rows.append((hidden, reg, model.num_parameters(), train_acc, val_acc))

best = max(rows, key=lambda r: r[4])
table = ["| hidden units | λ | parameters | train acc | val acc | train - val |",
         "|---:|---:|---:|---:|---:|---:|"]
for hidden, reg, n, tr, va in rows:
    mark = " **(best)**" if (hidden, reg) == best[:2] else ""
    table.append(f"| {hidden} | {reg:g} | {n:,} | {tr:.1%} | {va:.1%}{mark} | {tr - va:+.1%} |")
display(Markdown("\n".join(table)))

# %% [markdown]
# How to read the table: for a fixed size, a larger $\lambda$ lowers the training accuracy and narrows
# the gap between training and validation accuracy: regularization is the knob that controls
# overfitting. Across sizes, the bigger nets overfit more without regularization, yet reach the better
# validation accuracy, and a big net with a strong $\lambda$ still beats the small one. With 5,000 images
# and 5 epochs, differences of a point or two are within noise; on the full data set (`chainrule train`,
# or the `size-vs-regularization` experiment of `chainrule lecture`) the trend is clearer.
#
# **The rule (lecture 3.1):** do not use the size of the network to fight overfitting; use regularization.
