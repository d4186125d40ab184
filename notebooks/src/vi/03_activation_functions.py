# %% [markdown]
# # 3. Hàm kích hoạt: bão hòa, biến mất đạo hàm, ReLU chết
#
# *CS231n bài 4, mục 1.3 và 2.* Không có hàm phi tuyến, một mạng sâu sẽ quy về một ma trận duy nhất
# ($W_2 W_1 = W_3$). Hàm phi tuyến nào được chọn sẽ quyết định gradient đi ngược qua nó tốt đến đâu:
#
# 1. các hàm kích hoạt và đạo hàm của chúng, cùng những vùng mà gradient gần như không đi qua được;
# 2. bão hòa (saturation): đầu vào lớn làm sigmoid và tanh trở nên phẳng;
# 3. biến mất đạo hàm (vanishing gradient) theo chiều sâu: chuẩn gradient từng lớp trong một mạng 10 lớp;
# 4. ReLU chết (dead ReLU): những nơ-ron không bao giờ kích hoạt và không bao giờ học.

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
# ## 3.1 Các hàm và đạo hàm của chúng
#
# Mỗi ô vẽ $f(x)$ (xanh lá) và $f'(x)$ (đỏ, nét đứt). Vùng xám nhạt là hai đầu bão hòa, nơi
# $|f'(x)| < 0{,}05$ và vẫn tiếp tục giảm: nơ-ron ở đó chỉ truyền về chưa đến 5% gradient mà nó nhận được, và
# càng ít hơn khi đầu vào càng lớn. Vùng gạch chéo là nơi $f'(x) = 0$ đúng bằng 0, phía "chết" của ReLU.
# Phía âm của Leaky ReLU không được tô: độ dốc 0,01 nhỏ nhưng không bao giờ bằng 0, nên nơ-ron vẫn tiếp tục
# học. Các đạo hàm không được gõ tay: chúng lấy từ chính lần lan
# truyền ngược của chainrule, nên trang hình này cũng là một phép kiểm tra trực quan cho bảng đạo hàm.

# %%
show(cr.viz.plots.plot_activations(FIGURES / "activations.png"))

# %%
points = np.array([0.0, 2.0, 5.0, 10.0, -5.0])
print(f"{'':10s}" + "".join(f"f'({p:g})".rjust(11) for p in points))
for name in ["sigmoid", "tanh", "relu", "leaky_relu", "gelu"]:
    _, df = cr.viz.plots.activation_derivatives(name, points)
    print(f"{name:10s}" + "".join(f"{v:11.4f}" for v in df))

# %% [markdown]
# Đạo hàm của sigmoid lớn nhất là $0{,}25$ (tại 0) và chỉ còn $4{,}5 \times 10^{-5}$ tại $x = 10$. Đạo hàm của
# tanh lớn nhất là 1 nhưng cũng biến mất ở cả hai đầu. ReLU truyền nguyên gradient cho mọi đầu vào dương và
# hoàn toàn không truyền gì với đầu vào âm; Leaky ReLU giữ lại một lượng nhỏ $0{,}01$ ở đó.

# %% [markdown]
# ## 3.2 Bão hòa
#
# Một nơ-ron tính $\tanh(w \cdot x)$. Khi trọng số lớn, $|w \cdot x|$ lớn, nơ-ron nằm ở phần phẳng của hàm và
# gradient cục bộ gần bằng 0: mọi gradient từ phía sau đều bị nhân với gần như không có gì. Dưới đây là một
# lớp tanh gồm 256 nơ-ron trên 500 đầu vào ngẫu nhiên, với trọng số được phóng to dần.

# %%
rng = np.random.default_rng(0)
inputs = rng.standard_normal((500, 100))
base = rng.standard_normal((100, 256)) / np.sqrt(100)      # scale 1: pre-activations ~ N(0, 1)

print("weight scale   saturated units (|tanh| > 0.99)   mean local gradient 1 - tanh^2")
for scale in [0.1, 1.0, 3.0, 10.0]:
    h = np.tanh(inputs @ (scale * base))
    print(f"{scale:12g}   {np.mean(np.abs(h) > 0.99):31.1%}   {np.mean(1 - h ** 2):30.4f}")

# %% [markdown]
# ## 3.3 Biến mất đạo hàm theo chiều sâu
#
# Theo quy tắc chuỗi, gradient tới được lớp 1 của một mạng sâu đã bị nhân với một gradient cục bộ ở mỗi lớp.
# Với sigmoid mỗi thừa số nhiều nhất là $0{,}25$, nên mười lớp có thể làm gradient nhỏ đi
# $0{,}25^{10} \approx 10^{-6}$ lần. Ta dựng các MLP 10 lớp (mỗi lớp 64 nơ-ron) trên tập dữ liệu xoắn ốc
# (spiral), mỗi mạng dùng cách khởi tạo hợp với hàm kích hoạt của nó (Xavier cho sigmoid và tanh, He cho
# ReLU), chạy một lần lan truyền ngược và in chuẩn gradient trọng số của từng lớp.

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
# Với sigmoid, lớp đầu tiên nhận gradient nhỏ hơn lớp cuối khoảng một triệu lần: trọng số của nó gần như
# không thay đổi, đó là lý do sigmoid và tanh ngày nay rất ít được dùng cho các lớp ẩn (mục 2.1 trong bài
# giảng). Tanh, đối xứng quanh 0 với độ dốc bằng 1 tại đó, và ReLU với khởi tạo He giữ cho chuẩn gradient
# từ lớp cuối về lớp đầu chênh nhau không quá một bậc độ lớn.

# %% [markdown]
# ## 3.4 ReLU chết
#
# Một nơ-ron ReLU có giá trị trước kích hoạt âm với *mọi* đầu vào thì luôn cho ra 0, nên gradient cục bộ luôn
# bằng 0 và các trọng số đi vào nó không bao giờ thay đổi nữa: nơ-ron đó đã chết. Nguyên nhân thường gặp là
# tốc độ học (learning rate) quá lớn: một bước nhảy lớn đẩy trọng số tới vùng mà nơ-ron không bao giờ kích
# hoạt. Ta huấn luyện cùng một MLP có hai lớp ẩn trên dữ liệu xoắn ốc với một tốc độ học hợp lý và một tốc độ
# học quá lớn, và sau mỗi epoch đếm số nơ-ron không hoạt động trên toàn bộ tập huấn luyện.

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
# Với tốc độ học hợp lý, khoảng một phần sáu số nơ-ron đã chết ngay từ lúc khởi tạo (dữ liệu chỉ có hai đặc
# trưng, nên một nơ-ron có đường biên nằm hoàn toàn ngoài vùng dữ liệu sẽ không bao giờ kích hoạt) và quá
# trình huấn luyện hầu như không thay đổi điều đó. Với tốc độ học lớn, phần lớn nơ-ron chết chỉ sau vài epoch
# và độ chính xác sụp đổ: mạng đã tự vứt bỏ năng lực (capacity) của chính nó.
#
# Một nơ-ron chết thực sự không nhận được gradient nào: trong mạng được huấn luyện với tốc độ học lớn, các
# hàng của ma trận trọng số thứ nhất ứng với các nơ-ron chết nhận gradient đúng bằng 0, nên không gì có thể
# làm chúng sống lại.

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
# ## Quy tắc sử dụng (mục 2.4 trong bài giảng)
#
# - Lớp ẩn: mặc định dùng **ReLU**, cùng một hàm kích hoạt cho mọi lớp ẩn; với tốc độ học hợp lý và khởi tạo
#   He thì rất ít nơ-ron chết. Leaky ReLU, ELU, GELU và SiLU là các biến thể mượt hoặc "rò rỉ", vẫn giữ lại
#   một ít gradient cho đầu vào âm.
# - Tránh dùng sigmoid và tanh trong nhiều lớp ẩn chồng lên nhau: chúng bão hòa và gradient biến mất.
# - Lớp đầu ra tùy bài toán: softmax khi có nhiều nhãn (class), sigmoid cho phân loại nhị phân, không dùng gì
#   (tuyến tính) cho hồi quy.
#
# Tiếp theo: `04_linear_to_two_layer_cifar10.ipynb`.
