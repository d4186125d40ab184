# %% [markdown]
# # 1. Đồ thị tính toán, từng cổng một
#
# *CS231n bài 4, mục 4.1 đến 4.3.* Lan truyền ngược (backpropagation) biến một phép đạo hàm khổng lồ thành rất
# nhiều phép đạo hàm nhỏ. Hàm số được viết thành một **đồ thị tính toán (computational graph)** gồm các cổng
# (gate) đơn giản; mỗi cổng chỉ biết đầu vào của chính nó và gradient truyền tới từ phía sau, rồi áp dụng
# đúng một quy tắc:
#
# $$\text{gradient truyền về (downstream)} = \text{gradient cục bộ (local)} \times \text{gradient từ phía sau (upstream)}$$
#
# Trong notebook này bạn sẽ
#
# 1. vẽ lại các ví dụ trong bài giảng, $f = (x + y)\,z$ và một nơ-ron sigmoid, với mọi giá trị và gradient
#    ghi ngay trên đồ thị (`cr.viz.graph`) và quá trình lan truyền ngược được viết ra từng dòng
#    (`cr.viz.explain`);
# 2. làm quen với bốn kiểu cổng: **cổng cộng phân phối, cổng nhân hoán đổi, cổng sao chép cộng dồn, cổng max
#    định tuyến**;
# 3. tự viết một cổng bằng `cr.Function` và kiểm tra nó bằng `cr.gradcheck`, công cụ này cũng bắt được một
#    hàm backward viết sai.

# %%
import numpy as np
import chainrule as cr
import chainrule.nn.functional as F

cr.manual_seed(0)
print("chainrule", cr.__version__, "| Graphviz:",
      "found" if cr.viz.dot_available() else "not installed, graphs are shown as DOT text")

# %% [markdown]
# ## 1.1 Ví dụ đầu tiên: $f = (x + y)\,z$
#
# Với $x = -2$, $y = 5$, $z = -4$: lan truyền xuôi (forward) cho $q = x + y = 3$ và $f = q z = -12$. Lan
# truyền ngược bắt đầu với $\partial f / \partial f = 1$ và đi từ cuối đồ thị về đầu:
#
# - cổng nhân: $\partial f/\partial z = q = 3$ và $\partial f/\partial q = z = -4$ (mỗi đầu vào nhận
#   giá trị của đầu vào *kia*);
# - cổng cộng: gradient cục bộ bằng 1, nên cả $x$ và $y$ đều nhận gradient từ phía sau là $-4$.
#
# `cr.viz.graph` vẽ đúng như vậy. Giá trị màu xanh lá, gradient màu đỏ, và mỗi cạnh ghi
# "downstream = local × upstream". Hình vẽ tự tính gradient của nó (bằng `cr.grad`), nên không bao giờ làm
# thay đổi `.grad` của các tensor của bạn.

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
# Cũng quá trình lan truyền ngược đó, viết bằng lời, theo đúng thứ tự engine thực hiện. Mỗi dòng là một lần
# áp dụng quy tắc: gradient truyền về một đầu vào bằng gradient cục bộ của cổng nhân với gradient từ phía
# sau.

# %%
for line in cr.viz.explain(f):
    print(line)

# %% [markdown]
# Và hàm `backward()` thông thường của engine cho cùng kết quả: nó điền `.grad` cho mọi lá (leaf) của đồ thị.

# %%
f.backward()
print("df/dx =", x.grad.item(), " df/dy =", y.grad.item(), " df/dz =", z.grad.item())


# %% [markdown]
# ## 1.2 Một nơ-ron sigmoid
#
# Ví dụ thứ hai trong bài giảng là một nơ-ron có hai đầu vào và hàm sigmoid:
#
# $$f(w, x) = \frac{1}{1 + e^{-(w_0 x_0 + w_1 x_1 + w_2)}}, \qquad w_0 = 2,\ x_0 = -1,\ w_1 = -3,\ x_1 = -2,\ w_2 = -3.$$
#
# Khi chỉ dùng các cổng cơ bản (nhân, cộng, đổi dấu, exp, +1, 1/x) thì đồ thị khá dài, nhưng không cổng nào
# cần biết toàn bộ công thức: mỗi cổng chỉ nhân gradient nhận được với đạo hàm nhỏ của riêng nó. (Dùng
# `float64` để các con số in ra gọn gàng.)

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
# Đọc các dòng từ trên xuống: cổng 1/x biến gradient 1 từ phía sau thành $-1/d^2 = -0{,}53$, cổng +1 truyền
# nguyên giá trị đó, cổng exp nhân với $e^{m} = 0{,}37$, cổng đổi dấu đảo dấu, và từ $s$ trở về, các cổng cộng
# chuyển nguyên $0{,}20$ tới mọi nhánh, nơi các cổng nhân hoán đổi giá trị của đầu vào kia vào.
#
# **Một cổng lớn hơn.** Bốn cổng cuối tạo thành $\sigma(s)$, có đạo hàm
# $\sigma(s)\,(1 - \sigma(s)) = 0{,}73 \times 0{,}27 = 0{,}20$. Bất kỳ mảnh nào của đồ thị mà ta viết được
# gradient cục bộ đều có thể gộp thành một cổng; `cr.sigmoid` là một cổng như vậy, và các gradient không
# thay đổi.

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
# ## 1.3 Bốn kiểu cổng cơ bản
#
# | cổng | gradient cục bộ | lan truyền ngược | vai trò |
# |---|---|---|---|
# | cộng $z = a + b$ | 1, 1 | cả hai đầu vào nhận nguyên gradient từ phía sau | **bộ phân phối gradient (distributor)** |
# | nhân $z = a b$ | $b$, $a$ | mỗi đầu vào nhận gradient từ phía sau x đầu vào *kia* | **bộ nhân hoán đổi (swap multiplier)** |
# | sao chép ($a$ được dùng hai lần) | | gradient của các nhánh được **cộng lại** | **bộ cộng gradient (adder)** |
# | max $z = \max(a, b)$ | 1 cho nhánh thắng, 0 cho nhánh còn lại | chỉ đầu vào lớn hơn nhận gradient | **bộ định tuyến gradient (router)** |
#
# Bên dưới, đầu ra $z$ của mỗi cổng được nhân với 2 (dòng cuối, $L = 2z$) để gradient từ phía sau đi tới
# cổng là 2 chứ không phải 1. Đầu vào: $a = 3$, $b = -2$.

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
# Trong hình của cổng sao chép, $a$ có viền đôi màu cam: nó đi vào hai cổng, và gradient của nó là tổng
# những gì hai nhánh gửi về ($b \cdot 2 + 1 \cdot 2 = -2$).

# %%
L = named(named(a * b + a, "z") * 2.0, "L")
cr.viz.graph(L, title="copy gate: a is used twice, its gradients add up")

# %% [markdown]
# Bộ định tuyến cũng hoạt động với vector: `max` trên một vector gửi toàn bộ gradient cho phần tử lớn nhất,
# còn ReLU, $\max(0, x)$, chỉ chuyển gradient về những đầu vào dương. Khi hai giá trị bằng nhau đúng tuyệt
# đối, chainrule chia đều gradient (một quy ước được ghi trong `docs/engine.md`).

# %%
v = cr.tensor([0.5, 2.0, -1.0, 1.5], requires_grad=True)
print("max:  ", cr.grad(cr.max(v), [v])[0])
print("relu: ", cr.grad(cr.relu(v).sum(), [v])[0])
t = cr.tensor([2.0, 2.0], requires_grad=True)
print("tie:  ", cr.grad(cr.max(t), [t])[0])


# %% [markdown]
# ## 1.4 Cổng của riêng bạn: `cr.Function`
#
# Một cổng là một quá trình cục bộ: `forward` tính đầu ra từ đầu vào và lưu lại những gì phép đạo hàm sẽ
# cần; `backward` nhận gradient từ phía sau `g` và trả về gradient cục bộ x gradient từ phía sau, mỗi đầu
# vào một gradient. Dưới đây là cổng sigmoid; nó lưu lại đầu ra, vì $\sigma' = \sigma(1 - \sigma)$.

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
# **Kiểm tra bằng số.** `cr.gradcheck` so sánh kết quả lan truyền ngược với sai phân hữu hạn trung tâm
# $(f(x + h) - f(x - h)) / 2h$, từng phần tử một, theo sai số tương đối của CS231n
# $|a - n| / \max(|a| + |n|, 10^{-8})$. Nó cần đầu vào `float64`: với `float32`, sai số làm tròn sẽ lấn át
# các hiệu số. Đây chính là đạo hàm số (numerical gradient) trong bài giảng, được dùng đúng chỗ: không phải
# để huấn luyện (mỗi trọng số một lần forward là quá chậm) mà để kiểm tra gradient giải tích.

# %%
xs = cr.tensor([0.5, -1.5, 2.0, 0.0], dtype="float64", requires_grad=True)
print("gradcheck:", cr.gradcheck(SigmoidGate.apply, [xs]))

(analytic,) = cr.grad(SigmoidGate.apply(xs).sum(), [xs])
(numerical,) = cr.numerical_grad(lambda t: SigmoidGate.apply(t).sum(), [xs])
print("analytic: ", analytic.data)
print("numerical:", numerical)
print("relative error:", cr.rel_error(analytic.data, numerical))


# %% [markdown]
# **Giờ là một hàm backward sai.** Một lỗi kinh điển: quên thừa số $(1 - \sigma)$. Không có gì bị lỗi, và
# việc huấn luyện thậm chí vẫn chạy, chỉ là chạy tồi. `gradcheck` chỉ ra đầu vào nào, phần tử tệ nhất và cả
# hai giá trị.

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
# ## Tóm tắt
#
# - Đồ thị tính toán chia một hàm thành các cổng; lan truyền ngược đi qua chúng từ đầu ra về đầu vào và mỗi
#   cổng áp dụng *downstream = local × upstream* (công thức 5 trong bài giảng). Một lần forward và một lần
#   backward cho ta gradient theo mọi đầu vào cùng lúc.
# - Cổng cộng phân phối, cổng nhân hoán đổi, cổng sao chép cộng dồn, cổng max định tuyến: bốn kiểu này giải
#   thích phần lớn những gì ta thấy trong một lần lan truyền ngược.
# - Một cổng mới chỉ cần hàm forward và gradient cục bộ của nó; `cr.gradcheck` cho biết gradient cục bộ đó
#   có đúng hay không.
#
# Tiếp theo: `02_vectorized_backprop.ipynb`, vẫn các quy tắc đó nhưng với ma trận.
