# %% [markdown]
# # 4. Từ bộ phân loại tuyến tính đến mạng 2 lớp trên CIFAR-10
#
# *CS231n bài 4, mục 1.1, 1.2 và 3.1.* Một bộ phân loại tuyến tính $f = Wx$ chỉ học được **một khuôn mẫu
# (template) cho mỗi nhãn (class)**; một mạng 2 lớp $f = W_2 \max(0, W_1 x)$ học được số khuôn mẫu bằng số nơ-ron ẩn
# và dùng chung chúng giữa các nhãn. Ta huấn luyện cả hai trên một tập con nhỏ của **CIFAR-10 (JPEG copy)**,
# xem các khuôn mẫu, rồi đo lời khuyên của bài giảng về kích thước mạng và regularization.
#
# Để chạy xong trong vài phút trên hai lõi CPU, ta dùng 5.000 ảnh huấn luyện (500 ảnh mỗi nhãn), 1.000 ảnh
# kiểm định (validation) và 1.000 ảnh kiểm tra (test). Vì vậy độ chính xác thấp hơn và dao động nhiều hơn so
# với khi dùng đủ 50.000 ảnh; nhưng các phép so sánh vẫn đúng.

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
# ## 4.1 Dữ liệu
#
# Notebook tìm tệp nén ở `../shared/data/cifar10-jpeg.tar`, tính từ thư mục gốc của kho mã chainrule chứa
# nó (đặt biến môi trường `CHAINRULE_CIFAR10_JPEG` để dùng đường dẫn khác). Nếu không tìm thấy, các ô có đánh
# dấu `%%needs_cifar` sẽ in ra một ghi chú và được bỏ qua thay vì báo lỗi.
#
# Ta chỉ đọc những ảnh cần dùng trực tiếp từ tệp tar (đọc một lượt, khoảng mười giây), giải mã bằng
# `cr.data.decode_images` và chuẩn hóa theo từng kênh màu với thống kê chỉ lấy từ ảnh huấn luyện. (Với toàn
# bộ tập dữ liệu, `cr.data.load_dataset("folder:" + path)` giải mã cả 60.000 ảnh một lần và lưu vào bộ nhớ
# đệm.)

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
# ## 4.2 Vòng lặp huấn luyện
#
# Một hàm duy nhất huấn luyện mọi mô hình trong notebook này: SGD theo minibatch với momentum trên hàm mất
# mát softmax cross-entropy cộng với phạt L2 $\lambda \sum W^2$ (`cr.nn.l2_penalty`). Với `live=True`, hàm
# hiển thị một thanh tiến trình `tqdm` cho mỗi epoch và `cr.viz.LiveCurves`, các đường cong mất mát và độ chính
# xác được vẽ lại tại chỗ sau mỗi epoch (và theo dõi mất mát của từng batch trong một epoch).

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
# ## 4.3 Bộ phân loại tuyến tính: mỗi nhãn một khuôn mẫu
#
# `cr.nn.MLP(3072, [], 10)` không có lớp ẩn: đó là $f = Wx + b$, với $W$ kích thước $(10, 3072)$. Trọng số
# bắt đầu từ 0, để các hình bên dưới chỉ cho thấy những gì đã học được, không lẫn với giá trị khởi tạo ngẫu
# nhiên.

# %%
# %%needs_cifar
linear = cr.nn.MLP(3072, [], 10)
cr.nn.init.zeros_(linear.linear_layers[0].weight)
fit(linear, epochs=6, lr=1e-3, reg=1e-3, live=True, title="linear classifier")
print(f"linear classifier: test accuracy {evaluate(linear, test)[1]:.1%} (chance: 10%)")

# %% [markdown]
# Mỗi hàng của $W$ là một khuôn mẫu: điểm số (score) của một nhãn là tích vô hướng giữa ảnh và hàng của nhãn
# đó. Khi vẽ thành ảnh, chúng là những trung bình mờ nhạt: khuôn mẫu ô tô chính là "chiếc xe ma" trong bài
# giảng, trung bình của xe đỏ, xe xanh, xe quay trái, xe quay phải; khuôn mẫu ngựa thậm chí có thể có hai
# đầu.

# %%
# %%needs_cifar
show(cr.viz.plots.plot_templates(linear.linear_layers[0].weight, FIGURES / "linear_templates.png",
                                 image_shape=(32, 32, 3), class_names=CLASSES,
                                 title="linear classifier: one template per class"))


# %% [markdown]
# ## 4.4 Mạng 2 lớp: 100 khuôn mẫu, dùng chung giữa các nhãn
#
# $f = W_2 \max(0, W_1 x)$ với 100 nơ-ron ẩn. $W_1$ chứa 100 khuôn mẫu; lớp thứ hai tính điểm mỗi nhãn như một
# tổ hợp có trọng số của mức độ khớp với từng khuôn mẫu, nên một nơ-ron "ngựa quay trái" và một nơ-ron "ngựa
# quay phải" đều có thể bầu cho *ngựa*, và một nơ-ron phát hiện một màu sắc hay một cạnh có thể bầu cho
# nhiều nhãn. $W_1$ được khởi tạo nhỏ (độ lệch chuẩn $10^{-3}$, như trong các bài tập CS231n) để các khuôn
# mẫu của nó cũng chỉ cho thấy những gì đã học được.

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
# **Vì sao hàm max quan trọng.** Bỏ nó đi thì hai lớp gộp lại thành một ma trận, $W_2 W_1 = W_3$ (công thức 2
# trong bài giảng): mạng "sâu" lại trở thành một bộ phân loại tuyến tính, với cùng giới hạn 10 khuôn mẫu.

# %%
no_max = cr.nn.MLP(3072, [100], 10, activation=None)
W3, b3 = no_max.collapsed()
probe = np.random.default_rng(0).standard_normal((5, 3072)).astype(np.float32)
with cr.no_grad():
    two_layers = no_max(cr.tensor(probe)).data
one_matrix = probe @ np.asarray(W3).T + np.asarray(b3)
print("W3:", np.asarray(W3).shape, " max |two layers - one matrix| =", np.abs(two_layers - one_matrix).max())

# %% [markdown]
# ## 4.5 Kích thước mạng và regularization
#
# Câu hỏi trong bài giảng: để tránh overfitting, nên dùng mạng nhỏ hay mạng lớn kèm regularization? Câu trả
# lời: **ưu tiên mạng lớn và kiểm soát overfitting bằng độ mạnh regularization $\lambda$**. Dưới đây là các
# mạng 2 lớp với 10, 50 và 200 nơ-ron ẩn, mỗi mạng với ba giá trị $\lambda$, mỗi lần huấn luyện 5 epoch.

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
# Cách đọc bảng: với cùng một kích thước mạng, $\lambda$ lớn hơn làm giảm độ chính xác huấn luyện và thu hẹp
# khoảng cách giữa độ chính xác huấn luyện và kiểm định: regularization chính là núm vặn điều khiển
# overfitting. Giữa các kích thước, mạng lớn hơn overfit nhiều hơn khi không có regularization, nhưng vẫn đạt
# độ chính xác kiểm định tốt hơn, và một mạng lớn với $\lambda$ mạnh vẫn thắng mạng nhỏ. Với 5.000 ảnh và
# 5 epoch, chênh lệch một hai điểm phần trăm vẫn nằm trong mức nhiễu; trên toàn bộ tập dữ liệu
# (`chainrule train`, hoặc thí nghiệm `size-vs-regularization` của `chainrule lecture`) xu hướng này rõ hơn.
#
# **Quy tắc (mục 3.1 trong bài giảng):** không dùng kích thước mạng để chống overfitting; hãy dùng
# regularization.
