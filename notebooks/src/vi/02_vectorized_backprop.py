# %% [markdown]
# # 2. Lan truyền ngược dạng vector: gradient ma trận, quy tắc kích thước, ma trận Jacobian không bao giờ được tạo
#
# *CS231n bài 4, mục 4.4.* Trong một mạng thật, $x$ và $W$ là ma trận. Quy tắc chuỗi vẫn đúng, nhưng
# "gradient" cục bộ của một hàm vector là một **ma trận Jacobian**, và với một lớp có kích thước thực tế thì
# ma trận này quá lớn để tạo ra. Lan truyền ngược không bao giờ tạo nó: mỗi cổng tính trực tiếp tích
# vector-Jacobian (VJP), thường là một phép nhân với ma trận chuyển vị.
#
# 1. $y = x W$ tính tay: $dW = x^T g$ và $dx = g W^T$, so với engine;
# 2. quy tắc kích thước: gradient luôn có cùng kích thước với biến của nó;
# 3. ma trận Jacobian của một lớp nhỏ (`cr.jacobian`), và cái giá bộ nhớ của nó với một lớp 4096 -> 4096 so
#    với lượng bộ nhớ mà lan truyền ngược thực sự dùng.

# %%
import numpy as np
import chainrule as cr
import chainrule.nn.functional as F

cr.manual_seed(0)
print("chainrule", cr.__version__, "| Graphviz:",
      "found" if cr.viz.dot_available() else "not installed, graphs are shown as DOT text")

# %% [markdown]
# ## 2.1 Tính tay $y = x W$
#
# Lấy một batch $x$ kích thước $(N, D)$, trọng số $W$ kích thước $(D, M)$ và $y = x W$ kích thước $(N, M)$.
# Gọi $g = \partial L / \partial y$ là gradient từ phía sau, kích thước $(N, M)$. Vì
# $y_{nm} = \sum_d x_{nd} W_{dm}$, trọng số $W_{dm}$ tham gia vào mọi hàng $n$, nên gradient của nó là tổng
# của các hàng đó (một cổng sao chép!):
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
# Các quy tắc đó vẫn đúng bên trong cả một mạng. Dưới đây là một mạng 2 lớp nhỏ (trong notebook, một module
# tự hiển thị thành một cây với số tham số của từng phần), và đồ thị của nó cho một batch: giờ các ô là ma
# trận, nên hình vẽ cho thấy kích thước, trung bình và độ phân tán của mỗi giá trị và chuẩn (norm) của mỗi
# gradient thay vì chính các con số.

# %%
model = cr.nn.MLP(3, [4], 2)          # f = W2 max(0, W1 x)
model

# %%
xb = cr.tensor(rng.standard_normal((8, 3)).astype(np.float32))
yb = rng.integers(0, 2, size=8)
loss = F.cross_entropy(model(xb), yb)
cr.viz.graph(loss, module=model, title="2-layer net on a batch of 8")

# %% [markdown]
# ## 2.2 Quy tắc kích thước
#
# Phép kiểm tra trong bài giảng: **gradient của một biến luôn có cùng kích thước với biến đó**. Nếu $W$ có
# kích thước $(100, 3072)$ thì $dW$ cũng vậy; chỉ riêng điều đó đã cho biết nên viết $x^T g$ hay $g^T x$.
# chainrule áp dụng quy tắc này trên mọi cạnh của mọi lần lan truyền ngược.

# %%
loss.backward()
for name, p in model.named_parameters():
    print(f"{name:10s} value {str(p.shape):10s} gradient {str(p.grad.shape):10s}",
          "ok" if p.grad.shape == p.shape else "WRONG")


# %% [markdown]
# Một cổng vi phạm quy tắc sẽ bị chặn ngay, kèm tên phép toán và cả hai kích thước. Cổng dưới đây trả về
# $g^T x$ thay vì $x^T g$ cho $dW$: đúng các con số, nhưng bị chuyển vị. (Với ma trận vuông thì kích thước
# vẫn khớp, và chỉ `cr.gradcheck` mới bắt được lỗi này.)

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
# ## 2.3 Ma trận Jacobian không bao giờ được tạo
#
# Với $y = x W$ và $x$ kích thước $(N, D)$, ma trận Jacobian đầy đủ $\partial y / \partial x$ có kích thước
# $(N, M, N, D)$: mỗi cặp (phần tử đầu ra, phần tử đầu vào) một giá trị. `cr.jacobian` tạo ra nó, mỗi phần
# tử đầu ra một lần VJP. Với một lớp nhỏ ta có thể nhìn vào nó: gần như toàn số 0, vì hàng $n$ của $y$ chỉ
# phụ thuộc vào hàng $n$ của $x$, và các khối khác 0 chỉ là bản sao của $W^T$.

# %%
J = np.asarray(cr.jacobian(lambda t: t @ W, x))
print("Jacobian shape:", J.shape, " entries:", J.size, " zeros:", f"{np.mean(J == 0):.0%}")
print("block (n=0, n'=0) equals W.T:", np.allclose(J[0, :, 0, :], W.data.T))
print("block (n=0, n'=1) is zero:   ", np.all(J[0, :, 1, :] == 0))

vjp = np.tensordot(g, J, axes=2)          # g . J: what backward returns ...
print("g . J equals g @ W.T:        ", np.allclose(vjp, g @ W.data.T))   # ... computed without J

# %% [markdown]
# Các cổng theo từng phần tử còn đơn giản hơn: Jacobian của ReLU là ma trận đường chéo, bằng 1 ở những chỗ
# đầu vào dương, nên VJP của nó chỉ là một phép nhân với mặt nạ (mask).

# %%
u = cr.tensor([1.5, -0.3, 0.7, -2.0, 0.2], requires_grad=True)
print(np.asarray(cr.jacobian(cr.relu, u)))

# %% [markdown]
# **Cái giá về bộ nhớ.** Giờ là một lớp có kích thước thực tế: 4096 đầu vào, 4096 đầu ra, batch 64 (ví dụ trong
# bài giảng). Đầu vào và đầu ra mỗi cái có $64 \times 4096 = 262.144$ phần tử, nên ma trận Jacobian có
# $262.144^2 \approx 6{,}9 \times 10^{10}$ phần tử: **275 GB** với float32. Lan truyền ngược chỉ cần VJP, vài
# mảng cỡ $x$ và $W$. Ta đo đỉnh bộ nhớ của nó bằng `tracemalloc` (NumPy báo các mảng của nó cho công cụ
# này) cho một lần forward và backward của $\text{relu}(x W)$.

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
# ## Tóm tắt
#
# - Gradient ma trận được suy ra từ các quy tắc vô hướng: với $y = xW$, $dW = x^T g$ và $dx = g W^T$.
# - Quy tắc kích thước là cách kiểm tra nhanh nhất cho một phép tính tay, và chainrule áp dụng nó trên mọi
#   cạnh.
# - Jacobian của một lớp thật rất lớn và phần lớn là số 0; mỗi cổng tính trực tiếp tích $g \cdot J$, và cả
#   lần lan truyền ngược chỉ tốn bộ nhớ cỡ bằng các trọng số.
#
# Tiếp theo: `03_activation_functions.ipynb`.
