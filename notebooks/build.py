"""Build the lecture notebooks from one source: English in notebooks/, Vietnamese in notebooks/vi/.

    python notebooks/build.py            # (re)write the eight .ipynb files
    python notebooks/build.py --check    # exit 1 if a committed notebook differs from what this script makes

Each notebook is a list of cells: ``md(english, vietnamese)`` for prose, ``code(source)`` for code that both
languages share, so the two versions cannot drift apart. Cell ids are fixed and nothing is executed: the
files hold no outputs and no execution counts (tests/notebooks checks both).
"""
from __future__ import annotations

import sys
from pathlib import Path
from textwrap import dedent

import nbformat

HERE = Path(__file__).resolve().parent
LANGUAGES = {"en": HERE, "vi": HERE / "vi"}


def md(en: str, vi: str):
    return ("markdown", dedent(en).strip(), dedent(vi).strip())


def code(source: str):
    return ("code", dedent(source).strip(), None)


# Shared snippets --------------------------------------------------------------------------------------------

SETUP = code("""
    import numpy as np
    import chainrule as cr
    import chainrule.nn.functional as F

    cr.manual_seed(0)
    print("chainrule", cr.__version__, "| Graphviz:",
          "found" if cr.viz.dot_available() else "not installed, graphs are shown as DOT text")
""")

SHOW = code("""
    import tempfile
    from pathlib import Path
    from IPython.display import Image, display

    _figures = tempfile.TemporaryDirectory(prefix="chainrule-figures-")   # removed when the kernel stops
    FIGURES = Path(_figures.name)                                         # cr.viz.plots functions write files here


    def show(path):
        display(Image(filename=str(path)))
""")


# 01: computational graphs ------------------------------------------------------------------------------------

NB01 = [
    md("""
        # 1. Computational graphs, gate by gate

        *CS231n lecture 4, sections 4.1 to 4.3.* Backpropagation turns one huge derivative into many tiny ones. The
        function is written as a **computational graph** of simple gates; every gate knows only its own inputs and
        the gradient arriving from above, and applies one rule:

        $$\\text{downstream gradient} = \\text{local gradient} \\times \\text{upstream gradient}$$

        In this notebook you will

        1. draw the lecture's worked examples, $f = (x + y)\\,z$ and a sigmoid neuron, with every value and
           gradient written on the graph (`cr.viz.graph`) and the backward pass spelled out line by line
           (`cr.viz.explain`);
        2. meet the four gate patterns: **add distributes, mul swaps, copy adds, max routes**;
        3. write a gate of your own with `cr.Function` and check it with `cr.gradcheck`, which also catches a
           wrong backward.
        """, """
        # 1. Đồ thị tính toán, từng cổng một

        *CS231n bài 4, mục 4.1 đến 4.3.* Lan truyền ngược (backpropagation) biến một phép đạo hàm khổng lồ thành rất
        nhiều phép đạo hàm nhỏ. Hàm số được viết thành một **đồ thị tính toán (computational graph)** gồm các cổng
        (gate) đơn giản; mỗi cổng chỉ biết đầu vào của chính nó và gradient truyền tới từ phía sau, rồi áp dụng
        đúng một quy tắc:

        $$\\text{gradient truyền về (downstream)} = \\text{gradient cục bộ (local)} \\times \\text{gradient từ phía sau (upstream)}$$

        Trong notebook này bạn sẽ

        1. vẽ lại các ví dụ trong bài giảng, $f = (x + y)\\,z$ và một nơ-ron sigmoid, với mọi giá trị và gradient
           ghi ngay trên đồ thị (`cr.viz.graph`) và quá trình lan truyền ngược được viết ra từng dòng
           (`cr.viz.explain`);
        2. làm quen với bốn kiểu cổng: **cổng cộng phân phối, cổng nhân hoán đổi, cổng sao chép cộng dồn, cổng max
           định tuyến**;
        3. tự viết một cổng bằng `cr.Function` và kiểm tra nó bằng `cr.gradcheck`, công cụ này cũng bắt được một
           hàm backward viết sai.
        """),
    SETUP,
    md("""
        ## 1.1 The first example: $f = (x + y)\\,z$

        With $x = -2$, $y = 5$, $z = -4$: the forward pass gives $q = x + y = 3$ and $f = q z = -12$. Backward
        starts with $\\partial f / \\partial f = 1$ and walks the graph from the end:

        - the mul gate: $\\partial f/\\partial z = q = 3$ and $\\partial f/\\partial q = z = -4$ (each input gets
          the *other* input's value);
        - the add gate: local gradients are 1, so $x$ and $y$ both receive the upstream $-4$.

        `cr.viz.graph` draws exactly this. Values are green, gradients red, and each edge reads
        "downstream = local × upstream". The picture computes its own gradients (with `cr.grad`), so it never
        changes the `.grad` of your tensors.
        """, """
        ## 1.1 Ví dụ đầu tiên: $f = (x + y)\\,z$

        Với $x = -2$, $y = 5$, $z = -4$: lan truyền xuôi (forward) cho $q = x + y = 3$ và $f = q z = -12$. Lan
        truyền ngược bắt đầu với $\\partial f / \\partial f = 1$ và đi từ cuối đồ thị về đầu:

        - cổng nhân: $\\partial f/\\partial z = q = 3$ và $\\partial f/\\partial q = z = -4$ (mỗi đầu vào nhận
          giá trị của đầu vào *kia*);
        - cổng cộng: gradient cục bộ bằng 1, nên cả $x$ và $y$ đều nhận gradient từ phía sau là $-4$.

        `cr.viz.graph` vẽ đúng như vậy. Giá trị màu xanh lá, gradient màu đỏ, và mỗi cạnh ghi
        "downstream = local × upstream". Hình vẽ tự tính gradient của nó (bằng `cr.grad`), nên không bao giờ làm
        thay đổi `.grad` của các tensor của bạn.
        """),
    code("""
        x = cr.tensor(-2.0, requires_grad=True, name="x")
        y = cr.tensor(5.0, requires_grad=True, name="y")
        z = cr.tensor(-4.0, requires_grad=True, name="z")
        q = x + y
        q.name = "q"
        f = q * z
        f.name = "f"
        cr.viz.graph(f, title="f = (x + y) z")
    """),
    md("""
        The same backward pass in words, in the order the engine runs it. Each line is one application of the
        rule: the gradient sent down to an input equals the gate's local gradient times the gradient that came
        from above.
        """, """
        Cũng quá trình lan truyền ngược đó, viết bằng lời, theo đúng thứ tự engine thực hiện. Mỗi dòng là một lần
        áp dụng quy tắc: gradient truyền về một đầu vào bằng gradient cục bộ của cổng nhân với gradient từ phía
        sau.
        """),
    code("""
        for line in cr.viz.explain(f):
            print(line)
    """),
    md("""
        And the engine's ordinary `backward()` agrees: it fills `.grad` of every leaf.
        """, """
        Và hàm `backward()` thông thường của engine cho cùng kết quả: nó điền `.grad` cho mọi lá (leaf) của đồ thị.
        """),
    code("""
        f.backward()
        print("df/dx =", x.grad.item(), " df/dy =", y.grad.item(), " df/dz =", z.grad.item())
    """),
    md("""
        ## 1.2 A sigmoid neuron

        The lecture's second example is a neuron with two inputs and a sigmoid:

        $$f(w, x) = \\frac{1}{1 + e^{-(w_0 x_0 + w_1 x_1 + w_2)}}, \\qquad w_0 = 2,\\ x_0 = -1,\\ w_1 = -3,\\ x_1 = -2,\\ w_2 = -3.$$

        Written with primitive gates only (mul, add, neg, exp, +1, 1/x) the graph is long, but no gate needs to
        know the whole formula: each multiplies what arrives by its own small derivative. (`float64` keeps the
        printed numbers clean.)
        """, """
        ## 1.2 Một nơ-ron sigmoid

        Ví dụ thứ hai trong bài giảng là một nơ-ron có hai đầu vào và hàm sigmoid:

        $$f(w, x) = \\frac{1}{1 + e^{-(w_0 x_0 + w_1 x_1 + w_2)}}, \\qquad w_0 = 2,\\ x_0 = -1,\\ w_1 = -3,\\ x_1 = -2,\\ w_2 = -3.$$

        Khi chỉ dùng các cổng cơ bản (nhân, cộng, đổi dấu, exp, +1, 1/x) thì đồ thị khá dài, nhưng không cổng nào
        cần biết toàn bộ công thức: mỗi cổng chỉ nhân gradient nhận được với đạo hàm nhỏ của riêng nó. (Dùng
        `float64` để các con số in ra gọn gàng.)
        """),
    code("""
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
    """),
    code("""
        for line in cr.viz.explain(out):
            print(line)
    """),
    md("""
        Read the lines from the top: the 1/x gate turns the upstream 1 into $-1/d^2 = -0.53$, the +1 gate passes
        it on unchanged, the exp gate multiplies by $e^{m} = 0.37$, the neg gate flips the sign, and from $s$ on
        the add gates hand $0.20$ to every branch, where the mul gates swap in the other input.

        **A bigger gate.** The four gates at the end form $\\sigma(s)$, whose derivative is
        $\\sigma(s)\\,(1 - \\sigma(s)) = 0.73 \\times 0.27 = 0.20$. Any piece of the graph whose local gradient
        you can write down can be one gate; `cr.sigmoid` is such a gate, and the gradients do not change.
        """, """
        Đọc các dòng từ trên xuống: cổng 1/x biến gradient 1 từ phía sau thành $-1/d^2 = -0{,}53$, cổng +1 truyền
        nguyên giá trị đó, cổng exp nhân với $e^{m} = 0{,}37$, cổng đổi dấu đảo dấu, và từ $s$ trở về, các cổng cộng
        chuyển nguyên $0{,}20$ tới mọi nhánh, nơi các cổng nhân hoán đổi giá trị của đầu vào kia vào.

        **Một cổng lớn hơn.** Bốn cổng cuối tạo thành $\\sigma(s)$, có đạo hàm
        $\\sigma(s)\\,(1 - \\sigma(s)) = 0{,}73 \\times 0{,}27 = 0{,}20$. Bất kỳ mảnh nào của đồ thị mà ta viết được
        gradient cục bộ đều có thể gộp thành một cổng; `cr.sigmoid` là một cổng như vậy, và các gradient không
        thay đổi.
        """),
    code("""
        sig = named(cr.sigmoid(named(w0 * x0 + w1 * x1 + w2, "s")), "f")
        for line in cr.viz.explain(sig):
            print(line)

        inputs = [w0, x0, w1, x1, w2]
        long_way = cr.grad(out, inputs)
        one_gate = cr.grad(sig, inputs, retain_graph=True)    # keep the graph: it is drawn below
        print("\\nsame gradients:", all(np.allclose(a.data, b.data) for a, b in zip(long_way, one_gate)))
        cr.viz.graph(sig, title="the same neuron with one sigmoid gate")
    """),
    md("""
        ## 1.3 The four gate patterns

        | gate | local gradients | backward | role |
        |---|---|---|---|
        | add $z = a + b$ | 1, 1 | both inputs get the upstream gradient | **gradient distributor** |
        | mul $z = a b$ | $b$, $a$ | each input gets upstream x the *other* input | **swap multiplier** |
        | copy ($a$ used twice) | | the branches' gradients are **summed** | **gradient adder** |
        | max $z = \\max(a, b)$ | 1 for the winner, 0 otherwise | only the larger input gets the gradient | **gradient router** |

        Below, each gate's output $z$ is multiplied by 2 (the last line, $L = 2z$) so that the upstream
        gradient arriving at the gate is 2, not 1. Inputs: $a = 3$, $b = -2$.
        """, """
        ## 1.3 Bốn kiểu cổng cơ bản

        | cổng | gradient cục bộ | lan truyền ngược | vai trò |
        |---|---|---|---|
        | cộng $z = a + b$ | 1, 1 | cả hai đầu vào nhận nguyên gradient từ phía sau | **bộ phân phối gradient (distributor)** |
        | nhân $z = a b$ | $b$, $a$ | mỗi đầu vào nhận gradient từ phía sau x đầu vào *kia* | **bộ nhân hoán đổi (swap multiplier)** |
        | sao chép ($a$ được dùng hai lần) | | gradient của các nhánh được **cộng lại** | **bộ cộng gradient (adder)** |
        | max $z = \\max(a, b)$ | 1 cho nhánh thắng, 0 cho nhánh còn lại | chỉ đầu vào lớn hơn nhận gradient | **bộ định tuyến gradient (router)** |

        Bên dưới, đầu ra $z$ của mỗi cổng được nhân với 2 (dòng cuối, $L = 2z$) để gradient từ phía sau đi tới
        cổng là 2 chứ không phải 1. Đầu vào: $a = 3$, $b = -2$.
        """),
    code("""
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
    """),
    md("""
        In the picture of the copy gate, $a$ has a double orange border: it feeds two gates, and its gradient is
        the sum of what the two branches send back ($b \\cdot 2 + 1 \\cdot 2 = -2$).
        """, """
        Trong hình của cổng sao chép, $a$ có viền đôi màu cam: nó đi vào hai cổng, và gradient của nó là tổng
        những gì hai nhánh gửi về ($b \\cdot 2 + 1 \\cdot 2 = -2$).
        """),
    code("""
        L = named(named(a * b + a, "z") * 2.0, "L")
        cr.viz.graph(L, title="copy gate: a is used twice, its gradients add up")
    """),
    md("""
        The router also works on vectors: `max` over a vector sends the whole gradient to the largest element,
        and ReLU, $\\max(0, x)$, routes it to the inputs that were positive. At an exact tie chainrule splits the
        gradient equally (a documented convention, see `docs/engine.md`).
        """, """
        Bộ định tuyến cũng hoạt động với vector: `max` trên một vector gửi toàn bộ gradient cho phần tử lớn nhất,
        còn ReLU, $\\max(0, x)$, chỉ chuyển gradient về những đầu vào dương. Khi hai giá trị bằng nhau đúng tuyệt
        đối, chainrule chia đều gradient (một quy ước được ghi trong `docs/engine.md`).
        """),
    code("""
        v = cr.tensor([0.5, 2.0, -1.0, 1.5], requires_grad=True)
        print("max:  ", cr.grad(cr.max(v), [v])[0])
        print("relu: ", cr.grad(cr.relu(v).sum(), [v])[0])
        t = cr.tensor([2.0, 2.0], requires_grad=True)
        print("tie:  ", cr.grad(cr.max(t), [t])[0])
    """),
    md("""
        ## 1.4 Your own gate: `cr.Function`

        A gate is a local process: `forward` computes the output from the inputs and saves what the derivative
        will need; `backward` receives the upstream gradient `g` and returns local × upstream, one gradient per
        input. Here is the sigmoid gate, which saves its output, because $\\sigma' = \\sigma(1 - \\sigma)$.
        """, """
        ## 1.4 Cổng của riêng bạn: `cr.Function`

        Một cổng là một quá trình cục bộ: `forward` tính đầu ra từ đầu vào và lưu lại những gì phép đạo hàm sẽ
        cần; `backward` nhận gradient từ phía sau `g` và trả về gradient cục bộ x gradient từ phía sau, mỗi đầu
        vào một gradient. Dưới đây là cổng sigmoid; nó lưu lại đầu ra, vì $\\sigma' = \\sigma(1 - \\sigma)$.
        """),
    code("""
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
    """),
    md("""
        **Check it numerically.** `cr.gradcheck` compares the backward pass with centered finite differences,
        $(f(x + h) - f(x - h)) / 2h$, element by element, using CS231n's relative error
        $|a - n| / \\max(|a| + |n|, 10^{-8})$. It wants `float64` inputs: in `float32` the differences are
        swamped by rounding. This is the lecture's numerical gradient, used the right way: not to train (one
        forward pass per weight is far too slow) but to test the analytic gradient.
        """, """
        **Kiểm tra bằng số.** `cr.gradcheck` so sánh kết quả lan truyền ngược với sai phân hữu hạn trung tâm
        $(f(x + h) - f(x - h)) / 2h$, từng phần tử một, theo sai số tương đối của CS231n
        $|a - n| / \\max(|a| + |n|, 10^{-8})$. Nó cần đầu vào `float64`: với `float32`, sai số làm tròn sẽ lấn át
        các hiệu số. Đây chính là đạo hàm số (numerical gradient) trong bài giảng, được dùng đúng chỗ: không phải
        để huấn luyện (mỗi trọng số một lần forward là quá chậm) mà để kiểm tra gradient giải tích.
        """),
    code("""
        xs = cr.tensor([0.5, -1.5, 2.0, 0.0], dtype="float64", requires_grad=True)
        print("gradcheck:", cr.gradcheck(SigmoidGate.apply, [xs]))

        (analytic,) = cr.grad(SigmoidGate.apply(xs).sum(), [xs])
        (numerical,) = cr.numerical_grad(lambda t: SigmoidGate.apply(t).sum(), [xs])
        print("analytic: ", analytic.data)
        print("numerical:", numerical)
        print("relative error:", cr.rel_error(analytic.data, numerical))
    """),
    md("""
        **Now a wrong backward.** A classic slip: forget the $(1 - \\sigma)$ factor. Nothing crashes and training
        would even run, just badly. `gradcheck` names the input, the worst element and both values.
        """, """
        **Giờ là một hàm backward sai.** Một lỗi kinh điển: quên thừa số $(1 - \\sigma)$. Không có gì bị lỗi, và
        việc huấn luyện thậm chí vẫn chạy, chỉ là chạy tồi. `gradcheck` chỉ ra đầu vào nào, phần tử tệ nhất và cả
        hai giá trị.
        """),
    code("""
        class BuggySigmoid(SigmoidGate):
            @staticmethod
            def backward(ctx, g):
                (out,) = ctx.saved_tensors
                return g * out                        # wrong: the (1 - out) factor is missing


        try:
            cr.gradcheck(BuggySigmoid.apply, [xs])
        except cr.GradcheckError as err:
            print("caught:", err)
    """),
    md("""
        ## Summary

        - A computational graph splits a function into gates; backward visits them from the output back and each
          applies *downstream = local × upstream* (lecture eq. 5). One forward and one backward pass give the
          gradient for every input at once.
        - add distributes, mul swaps, copy adds, max routes: these four patterns explain most of what you see in
          a backward pass.
        - A new gate needs only its forward and its local gradient; `cr.gradcheck` tells you whether the
          local gradient is right.

        Next: `02_vectorized_backprop.ipynb`, the same rules with matrices.
        """, """
        ## Tóm tắt

        - Đồ thị tính toán chia một hàm thành các cổng; lan truyền ngược đi qua chúng từ đầu ra về đầu vào và mỗi
          cổng áp dụng *downstream = local × upstream* (công thức 5 trong bài giảng). Một lần forward và một lần
          backward cho ta gradient theo mọi đầu vào cùng lúc.
        - Cổng cộng phân phối, cổng nhân hoán đổi, cổng sao chép cộng dồn, cổng max định tuyến: bốn kiểu này giải
          thích phần lớn những gì ta thấy trong một lần lan truyền ngược.
        - Một cổng mới chỉ cần hàm forward và gradient cục bộ của nó; `cr.gradcheck` cho biết gradient cục bộ đó
          có đúng hay không.

        Tiếp theo: `02_vectorized_backprop.ipynb`, vẫn các quy tắc đó nhưng với ma trận.
        """),
]


# 02: vectorized backprop --------------------------------------------------------------------------------------

NB02 = [
    md("""
        # 2. Vectorized backprop: matrix gradients, the shape rule, the Jacobian you never build

        *CS231n lecture 4, section 4.4.* In a real network $x$ and $W$ are matrices. The chain rule still holds,
        but the local "gradient" of a vector function is a **Jacobian matrix**, and for a layer of realistic size
        it is far too large to build. Backprop never builds it: each gate computes the vector-Jacobian product
        (VJP) directly, usually as a multiplication by a transposed matrix.

        1. $y = x W$ by hand: $dW = x^T g$ and $dx = g W^T$, against the engine;
        2. the shape rule: a gradient always has the shape of its variable;
        3. the Jacobian on a tiny layer (`cr.jacobian`), and its memory bill for a 4096 -> 4096 layer
           compared with what backprop really allocates.
        """, """
        # 2. Lan truyền ngược dạng vector: gradient ma trận, quy tắc kích thước, ma trận Jacobian không bao giờ được tạo

        *CS231n bài 4, mục 4.4.* Trong một mạng thật, $x$ và $W$ là ma trận. Quy tắc chuỗi vẫn đúng, nhưng
        "gradient" cục bộ của một hàm vector là một **ma trận Jacobian**, và với một lớp có kích thước thực tế thì
        ma trận này quá lớn để tạo ra. Lan truyền ngược không bao giờ tạo nó: mỗi cổng tính trực tiếp tích
        vector-Jacobian (VJP), thường là một phép nhân với ma trận chuyển vị.

        1. $y = x W$ tính tay: $dW = x^T g$ và $dx = g W^T$, so với engine;
        2. quy tắc kích thước: gradient luôn có cùng kích thước với biến của nó;
        3. ma trận Jacobian của một lớp nhỏ (`cr.jacobian`), và cái giá bộ nhớ của nó với một lớp 4096 -> 4096 so
           với lượng bộ nhớ mà lan truyền ngược thực sự dùng.
        """),
    SETUP,
    md("""
        ## 2.1 $y = x W$ by hand

        Take a batch $x$ of shape $(N, D)$, weights $W$ of shape $(D, M)$ and $y = x W$ of shape $(N, M)$. Let
        $g = \\partial L / \\partial y$ be the upstream gradient, shape $(N, M)$. Since
        $y_{nm} = \\sum_d x_{nd} W_{dm}$, the weight $W_{dm}$ touches every row $n$, and its gradient adds them
        up (a copy gate!):

        $$\\frac{\\partial L}{\\partial W_{dm}} = \\sum_n x_{nd}\\, g_{nm} \\quad\\Longrightarrow\\quad dW = x^T g, \\qquad dx = g\\, W^T.$$
        """, """
        ## 2.1 Tính tay $y = x W$

        Lấy một batch $x$ kích thước $(N, D)$, trọng số $W$ kích thước $(D, M)$ và $y = x W$ kích thước $(N, M)$.
        Gọi $g = \\partial L / \\partial y$ là gradient từ phía sau, kích thước $(N, M)$. Vì
        $y_{nm} = \\sum_d x_{nd} W_{dm}$, trọng số $W_{dm}$ tham gia vào mọi hàng $n$, nên gradient của nó là tổng
        của các hàng đó (một cổng sao chép!):

        $$\\frac{\\partial L}{\\partial W_{dm}} = \\sum_n x_{nd}\\, g_{nm} \\quad\\Longrightarrow\\quad dW = x^T g, \\qquad dx = g\\, W^T.$$
        """),
    code("""
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
    """),
    md("""
        The same rules hold inside a whole network. Here is a small 2-layer net (in a notebook a module shows
        itself as a tree with the parameter count of every part), and its graph for one batch: the boxes are
        matrices now, so the picture shows shapes, the mean and spread of each value and the norm of each
        gradient instead of the numbers themselves.
        """, """
        Các quy tắc đó vẫn đúng bên trong cả một mạng. Dưới đây là một mạng 2 lớp nhỏ (trong notebook, một module
        tự hiển thị thành một cây với số tham số của từng phần), và đồ thị của nó cho một batch: giờ các ô là ma
        trận, nên hình vẽ cho thấy kích thước, trung bình và độ phân tán của mỗi giá trị và chuẩn (norm) của mỗi
        gradient thay vì chính các con số.
        """),
    code("""
        model = cr.nn.MLP(3, [4], 2)          # f = W2 max(0, W1 x)
        model
    """),
    code("""
        xb = cr.tensor(rng.standard_normal((8, 3)).astype(np.float32))
        yb = rng.integers(0, 2, size=8)
        loss = F.cross_entropy(model(xb), yb)
        cr.viz.graph(loss, module=model, title="2-layer net on a batch of 8")
    """),
    md("""
        ## 2.2 The shape rule

        The lecture's sanity check: **the gradient of a variable always has the shape of that variable**. If
        $W$ is $(100, 3072)$, so is $dW$; that alone tells you whether to write $x^T g$ or $g^T x$. chainrule
        enforces the rule on every edge of every backward pass.
        """, """
        ## 2.2 Quy tắc kích thước

        Phép kiểm tra trong bài giảng: **gradient của một biến luôn có cùng kích thước với biến đó**. Nếu $W$ có
        kích thước $(100, 3072)$ thì $dW$ cũng vậy; chỉ riêng điều đó đã cho biết nên viết $x^T g$ hay $g^T x$.
        chainrule áp dụng quy tắc này trên mọi cạnh của mọi lần lan truyền ngược.
        """),
    code("""
        loss.backward()
        for name, p in model.named_parameters():
            print(f"{name:10s} value {str(p.shape):10s} gradient {str(p.grad.shape):10s}",
                  "ok" if p.grad.shape == p.shape else "WRONG")
    """),
    md("""
        A gate that breaks the rule is stopped at once, with the op and both shapes named. This one returns
        $g^T x$ instead of $x^T g$ for $dW$: the right numbers, transposed. (With square matrices the shapes
        would agree, and only `cr.gradcheck` would catch the mistake.)
        """, """
        Một cổng vi phạm quy tắc sẽ bị chặn ngay, kèm tên phép toán và cả hai kích thước. Cổng dưới đây trả về
        $g^T x$ thay vì $x^T g$ cho $dW$: đúng các con số, nhưng bị chuyển vị. (Với ma trận vuông thì kích thước
        vẫn khớp, và chỉ `cr.gradcheck` mới bắt được lỗi này.)
        """),
    code("""
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
    """),
    md("""
        ## 2.3 The Jacobian you never build

        For $y = x W$ with $x$ of shape $(N, D)$ the full Jacobian $\\partial y / \\partial x$ has shape
        $(N, M, N, D)$: one entry for every pair (output element, input element). `cr.jacobian` builds it, one VJP
        per output element. On a tiny layer we can look at it: it is almost all zeros, because row $n$ of $y$
        depends only on row $n$ of $x$, and the non-zero blocks are just copies of $W^T$.
        """, """
        ## 2.3 Ma trận Jacobian không bao giờ được tạo

        Với $y = x W$ và $x$ kích thước $(N, D)$, ma trận Jacobian đầy đủ $\\partial y / \\partial x$ có kích thước
        $(N, M, N, D)$: mỗi cặp (phần tử đầu ra, phần tử đầu vào) một giá trị. `cr.jacobian` tạo ra nó, mỗi phần
        tử đầu ra một lần VJP. Với một lớp nhỏ ta có thể nhìn vào nó: gần như toàn số 0, vì hàng $n$ của $y$ chỉ
        phụ thuộc vào hàng $n$ của $x$, và các khối khác 0 chỉ là bản sao của $W^T$.
        """),
    code("""
        J = np.asarray(cr.jacobian(lambda t: t @ W, x))
        print("Jacobian shape:", J.shape, " entries:", J.size, " zeros:", f"{np.mean(J == 0):.0%}")
        print("block (n=0, n'=0) equals W.T:", np.allclose(J[0, :, 0, :], W.data.T))
        print("block (n=0, n'=1) is zero:   ", np.all(J[0, :, 1, :] == 0))

        vjp = np.tensordot(g, J, axes=2)          # g . J: what backward returns ...
        print("g . J equals g @ W.T:        ", np.allclose(vjp, g @ W.data.T))   # ... computed without J
    """),
    md("""
        Elementwise gates are even simpler: the Jacobian of ReLU is diagonal, with 1 where the input was
        positive, so its VJP is just a mask.
        """, """
        Các cổng theo từng phần tử còn đơn giản hơn: Jacobian của ReLU là ma trận đường chéo, bằng 1 ở những chỗ
        đầu vào dương, nên VJP của nó chỉ là một phép nhân với mặt nạ (mask).
        """),
    code("""
        u = cr.tensor([1.5, -0.3, 0.7, -2.0, 0.2], requires_grad=True)
        print(np.asarray(cr.jacobian(cr.relu, u)))
    """),
    md("""
        **The memory bill.** Now a realistic layer: 4096 inputs, 4096 outputs, a batch of 64 (the lecture's
        example). The input and the output each have $64 \\times 4096 = 262{,}144$ elements, so the Jacobian has
        $262{,}144^2 \\approx 6.9 \\times 10^{10}$ entries: **275 GB** in float32. Backprop instead needs the VJP,
        a few arrays the size of $x$ and $W$. We measure its peak with `tracemalloc` (NumPy reports its arrays
        to it) for one forward and backward pass of $\\text{relu}(x W)$.
        """, """
        **Cái giá về bộ nhớ.** Giờ là một lớp có kích thước thực tế: 4096 đầu vào, 4096 đầu ra, batch 64 (ví dụ trong
        bài giảng). Đầu vào và đầu ra mỗi cái có $64 \\times 4096 = 262.144$ phần tử, nên ma trận Jacobian có
        $262.144^2 \\approx 6{,}9 \\times 10^{10}$ phần tử: **275 GB** với float32. Lan truyền ngược chỉ cần VJP, vài
        mảng cỡ $x$ và $W$. Ta đo đỉnh bộ nhớ của nó bằng `tracemalloc` (NumPy báo các mảng của nó cho công cụ
        này) cho một lần forward và backward của $\\text{relu}(x W)$.
        """),
    code("""
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
    """),
    md("""
        ## Summary

        - Matrix gradients follow from the scalar rules: for $y = xW$, $dW = x^T g$ and $dx = g W^T$.
        - The shape rule is the fastest check on a hand derivation, and chainrule enforces it on every edge.
        - The Jacobian of a real layer is huge and mostly zeros; every gate computes the product $g \\cdot J$
          directly, and the whole backward pass costs about as much memory as the weights.

        Next: `03_activation_functions.ipynb`.
        """, """
        ## Tóm tắt

        - Gradient ma trận được suy ra từ các quy tắc vô hướng: với $y = xW$, $dW = x^T g$ và $dx = g W^T$.
        - Quy tắc kích thước là cách kiểm tra nhanh nhất cho một phép tính tay, và chainrule áp dụng nó trên mọi
          cạnh.
        - Jacobian của một lớp thật rất lớn và phần lớn là số 0; mỗi cổng tính trực tiếp tích $g \\cdot J$, và cả
          lần lan truyền ngược chỉ tốn bộ nhớ cỡ bằng các trọng số.

        Tiếp theo: `03_activation_functions.ipynb`.
        """),
]


# 03: activation functions --------------------------------------------------------------------------------------

NB03 = [
    md("""
        # 3. Activation functions: saturation, vanishing gradients, dead ReLUs

        *CS231n lecture 4, sections 1.3 and 2.* Without a non-linearity a deep network collapses into one
        matrix ($W_2 W_1 = W_3$). Which non-linearity you pick decides how well gradients flow back through it:

        1. the functions and their derivatives, with the regions where little gradient passes;
        2. saturation: large inputs make sigmoid and tanh flat;
        3. vanishing gradients through depth: per-layer gradient norms in a 10-layer net;
        4. dead ReLUs: units that never fire and never learn.
        """, """
        # 3. Hàm kích hoạt: bão hòa, biến mất đạo hàm, ReLU chết

        *CS231n bài 4, mục 1.3 và 2.* Không có hàm phi tuyến, một mạng sâu sẽ quy về một ma trận duy nhất
        ($W_2 W_1 = W_3$). Hàm phi tuyến nào được chọn sẽ quyết định gradient đi ngược qua nó tốt đến đâu:

        1. các hàm kích hoạt và đạo hàm của chúng, cùng những vùng mà gradient gần như không đi qua được;
        2. bão hòa (saturation): đầu vào lớn làm sigmoid và tanh trở nên phẳng;
        3. biến mất đạo hàm (vanishing gradient) theo chiều sâu: chuẩn gradient từng lớp trong một mạng 10 lớp;
        4. ReLU chết (dead ReLU): những nơ-ron không bao giờ kích hoạt và không bao giờ học.
        """),
    SETUP,
    SHOW,
    md("""
        ## 3.1 The functions and their derivatives

        Each panel shows $f(x)$ (green) and $f'(x)$ (red, dashed). Light grey marks the saturated tails, where
        $|f'(x)| < 0.05$ and still shrinking: a unit there passes back less than 5% of the gradient it receives,
        less and less as the input grows. Hatched marks $f'(x) = 0$ exactly, ReLU's dead side. Leaky ReLU's
        negative side is not shaded: its slope 0.01 is small but never 0, so the unit keeps learning. The
        derivatives are not typed in: they come
        from chainrule's own backward pass, so the page is also a visual test of the derivative table.
        """, """
        ## 3.1 Các hàm và đạo hàm của chúng

        Mỗi ô vẽ $f(x)$ (xanh lá) và $f'(x)$ (đỏ, nét đứt). Vùng xám nhạt là hai đầu bão hòa, nơi
        $|f'(x)| < 0{,}05$ và vẫn tiếp tục giảm: nơ-ron ở đó chỉ truyền về chưa đến 5% gradient mà nó nhận được, và
        càng ít hơn khi đầu vào càng lớn. Vùng gạch chéo là nơi $f'(x) = 0$ đúng bằng 0, phía "chết" của ReLU.
        Phía âm của Leaky ReLU không được tô: độ dốc 0,01 nhỏ nhưng không bao giờ bằng 0, nên nơ-ron vẫn tiếp tục
        học. Các đạo hàm không được gõ tay: chúng lấy từ chính lần lan
        truyền ngược của chainrule, nên trang hình này cũng là một phép kiểm tra trực quan cho bảng đạo hàm.
        """),
    code("""
        show(cr.viz.plots.plot_activations(FIGURES / "activations.png"))
    """),
    code("""
        points = np.array([0.0, 2.0, 5.0, 10.0, -5.0])
        print(f"{'':10s}" + "".join(f"f'({p:g})".rjust(11) for p in points))
        for name in ["sigmoid", "tanh", "relu", "leaky_relu", "gelu"]:
            _, df = cr.viz.plots.activation_derivatives(name, points)
            print(f"{name:10s}" + "".join(f"{v:11.4f}" for v in df))
    """),
    md("""
        Sigmoid's derivative is at most $0.25$ (at 0) and is $4.5 \\times 10^{-5}$ at $x = 10$. Tanh's is at most 1
        but also vanishes at both ends. ReLU passes the gradient unchanged for every positive input and nothing
        at all for negative ones; Leaky ReLU keeps a small $0.01$ there.
        """, """
        Đạo hàm của sigmoid lớn nhất là $0{,}25$ (tại 0) và chỉ còn $4{,}5 \\times 10^{-5}$ tại $x = 10$. Đạo hàm của
        tanh lớn nhất là 1 nhưng cũng biến mất ở cả hai đầu. ReLU truyền nguyên gradient cho mọi đầu vào dương và
        hoàn toàn không truyền gì với đầu vào âm; Leaky ReLU giữ lại một lượng nhỏ $0{,}01$ ở đó.
        """),
    md("""
        ## 3.2 Saturation

        A unit computes $\\tanh(w \\cdot x)$. When the weights are large, $|w \\cdot x|$ is large, the unit sits on
        a flat end and its local gradient is almost 0: whatever arrives from above is multiplied by nearly
        nothing. Below, one tanh layer of 256 units on 500 random inputs, with weights scaled up step by step.
        """, """
        ## 3.2 Bão hòa

        Một nơ-ron tính $\\tanh(w \\cdot x)$. Khi trọng số lớn, $|w \\cdot x|$ lớn, nơ-ron nằm ở phần phẳng của hàm và
        gradient cục bộ gần bằng 0: mọi gradient từ phía sau đều bị nhân với gần như không có gì. Dưới đây là một
        lớp tanh gồm 256 nơ-ron trên 500 đầu vào ngẫu nhiên, với trọng số được phóng to dần.
        """),
    code("""
        rng = np.random.default_rng(0)
        inputs = rng.standard_normal((500, 100))
        base = rng.standard_normal((100, 256)) / np.sqrt(100)      # scale 1: pre-activations ~ N(0, 1)

        print("weight scale   saturated units (|tanh| > 0.99)   mean local gradient 1 - tanh^2")
        for scale in [0.1, 1.0, 3.0, 10.0]:
            h = np.tanh(inputs @ (scale * base))
            print(f"{scale:12g}   {np.mean(np.abs(h) > 0.99):31.1%}   {np.mean(1 - h ** 2):30.4f}")
    """),
    md("""
        ## 3.3 Vanishing gradients through depth

        By the chain rule, the gradient reaching layer 1 of a deep net has been multiplied by one local
        gradient per layer. With sigmoid each factor is at most $0.25$, so ten layers can shrink it by
        $0.25^{10} \\approx 10^{-6}$. We build 10-layer MLPs (64 units per layer) on the spiral data set, each
        with the initialization suited to its activation (Xavier for sigmoid and tanh, He for ReLU), run one
        backward pass and print the norm of every layer's weight gradient.
        """, """
        ## 3.3 Biến mất đạo hàm theo chiều sâu

        Theo quy tắc chuỗi, gradient tới được lớp 1 của một mạng sâu đã bị nhân với một gradient cục bộ ở mỗi lớp.
        Với sigmoid mỗi thừa số nhiều nhất là $0{,}25$, nên mười lớp có thể làm gradient nhỏ đi
        $0{,}25^{10} \\approx 10^{-6}$ lần. Ta dựng các MLP 10 lớp (mỗi lớp 64 nơ-ron) trên tập dữ liệu xoắn ốc
        (spiral), mỗi mạng dùng cách khởi tạo hợp với hàm kích hoạt của nó (Xavier cho sigmoid và tanh, He cho
        ReLU), chạy một lần lan truyền ngược và in chuẩn gradient trọng số của từng lớp.
        """),
    code("""
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
    """),
    md("""
        With sigmoid the first layer gets a gradient about a million times smaller than the last one: its
        weights would barely move, which is why sigmoid and tanh are rarely used in hidden layers today
        (lecture 2.1). Tanh, centred at 0 with a slope of 1 there, and ReLU with He initialization keep the norms
        within one order of magnitude from the last layer to the first.
        """, """
        Với sigmoid, lớp đầu tiên nhận gradient nhỏ hơn lớp cuối khoảng một triệu lần: trọng số của nó gần như
        không thay đổi, đó là lý do sigmoid và tanh ngày nay rất ít được dùng cho các lớp ẩn (mục 2.1 trong bài
        giảng). Tanh, đối xứng quanh 0 với độ dốc bằng 1 tại đó, và ReLU với khởi tạo He giữ cho chuẩn gradient
        từ lớp cuối về lớp đầu chênh nhau không quá một bậc độ lớn.
        """),
    md("""
        ## 3.4 Dead ReLUs

        A ReLU unit whose pre-activation is negative for *every* input always outputs 0, so its local gradient
        is always 0 and its incoming weights never change again: the unit is dead. A too-large learning rate is
        the usual cause: one big step pushes the weights to where the unit never fires. We train the same
        2-layer-hidden MLP on the spiral data with a sensible and a far too large learning rate, and after each
        epoch count the units that are inactive on the whole training set.
        """, """
        ## 3.4 ReLU chết

        Một nơ-ron ReLU có giá trị trước kích hoạt âm với *mọi* đầu vào thì luôn cho ra 0, nên gradient cục bộ luôn
        bằng 0 và các trọng số đi vào nó không bao giờ thay đổi nữa: nơ-ron đó đã chết. Nguyên nhân thường gặp là
        tốc độ học (learning rate) quá lớn: một bước nhảy lớn đẩy trọng số tới vùng mà nơ-ron không bao giờ kích
        hoạt. Ta huấn luyện cùng một MLP có hai lớp ẩn trên dữ liệu xoắn ốc với một tốc độ học hợp lý và một tốc độ
        học quá lớn, và sau mỗi epoch đếm số nơ-ron không hoạt động trên toàn bộ tập huấn luyện.
        """),
    code("""
        def dead_fraction(net, X):
            \"\"\"For each ReLU layer: the fraction of units that output 0 for every row of X.\"\"\"
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
    """),
    md("""
        With the sensible learning rate about one unit in six is dead already at initialization (with only two
        input features, a unit whose boundary line misses the data entirely never fires) and training barely
        changes that. With the large one, most units die within a few epochs and the accuracy collapses: the
        network has thrown away its own capacity.

        A dead unit really gets no gradient: in the net trained with the large learning rate, the rows of the
        first weight matrix that belong to dead units receive exactly zero gradient, so nothing can revive them.
        """, """
        Với tốc độ học hợp lý, khoảng một phần sáu số nơ-ron đã chết ngay từ lúc khởi tạo (dữ liệu chỉ có hai đặc
        trưng, nên một nơ-ron có đường biên nằm hoàn toàn ngoài vùng dữ liệu sẽ không bao giờ kích hoạt) và quá
        trình huấn luyện hầu như không thay đổi điều đó. Với tốc độ học lớn, phần lớn nơ-ron chết chỉ sau vài epoch
        và độ chính xác sụp đổ: mạng đã tự vứt bỏ năng lực (capacity) của chính nó.

        Một nơ-ron chết thực sự không nhận được gradient nào: trong mạng được huấn luyện với tốc độ học lớn, các
        hàng của ma trận trọng số thứ nhất ứng với các nơ-ron chết nhận gradient đúng bằng 0, nên không gì có thể
        làm chúng sống lại.
        """),
    code("""
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
    """),
    md("""
        ## Rules of thumb (lecture 2.4)

        - Hidden layers: use **ReLU** by default, the same activation in every hidden layer; with a sensible
          learning rate and He initialization few units die. Leaky ReLU, ELU, GELU and SiLU are smooth or leaky
          variants that keep some gradient for negative inputs.
        - Avoid sigmoid and tanh in deep stacks of hidden layers: they saturate and the gradient vanishes.
        - The output layer depends on the task: softmax for multi-class classification, sigmoid for binary,
          nothing (linear) for regression.

        Next: `04_linear_to_two_layer_cifar10.ipynb`.
        """, """
        ## Quy tắc sử dụng (mục 2.4 trong bài giảng)

        - Lớp ẩn: mặc định dùng **ReLU**, cùng một hàm kích hoạt cho mọi lớp ẩn; với tốc độ học hợp lý và khởi tạo
          He thì rất ít nơ-ron chết. Leaky ReLU, ELU, GELU và SiLU là các biến thể mượt hoặc "rò rỉ", vẫn giữ lại
          một ít gradient cho đầu vào âm.
        - Tránh dùng sigmoid và tanh trong nhiều lớp ẩn chồng lên nhau: chúng bão hòa và gradient biến mất.
        - Lớp đầu ra tùy bài toán: softmax khi có nhiều nhãn (class), sigmoid cho phân loại nhị phân, không dùng gì
          (tuyến tính) cho hồi quy.

        Tiếp theo: `04_linear_to_two_layer_cifar10.ipynb`.
        """),
]


# 04: from a linear classifier to a 2-layer net on CIFAR-10 -----------------------------------------------------

NB04 = [
    md("""
        # 4. From a linear classifier to a 2-layer net on CIFAR-10

        *CS231n lecture 4, sections 1.1, 1.2 and 3.1.* A linear classifier $f = Wx$ learns **one template per
        class**; a 2-layer net $f = W_2 \\max(0, W_1 x)$ learns as many templates as it has hidden units and
        shares them between classes. We train both on a small subset of **CIFAR-10 (JPEG copy)**, look at the
        templates, and then measure the lecture's advice on network size and regularization.

        To stay within a few minutes on two CPU cores we use 5,000 training images (500 per class), 1,000 for
        validation and 1,000 test images. Accuracies are therefore lower and noisier than on the full
        50,000 images; the comparisons still hold.
        """, """
        # 4. Từ bộ phân loại tuyến tính đến mạng 2 lớp trên CIFAR-10

        *CS231n bài 4, mục 1.1, 1.2 và 3.1.* Một bộ phân loại tuyến tính $f = Wx$ chỉ học được **một khuôn mẫu
        (template) cho mỗi nhãn (class)**; một mạng 2 lớp $f = W_2 \\max(0, W_1 x)$ học được số khuôn mẫu bằng số nơ-ron ẩn
        và dùng chung chúng giữa các nhãn. Ta huấn luyện cả hai trên một tập con nhỏ của **CIFAR-10 (JPEG copy)**,
        xem các khuôn mẫu, rồi đo lời khuyên của bài giảng về kích thước mạng và regularization.

        Để chạy xong trong vài phút trên hai lõi CPU, ta dùng 5.000 ảnh huấn luyện (500 ảnh mỗi nhãn), 1.000 ảnh
        kiểm định (validation) và 1.000 ảnh kiểm tra (test). Vì vậy độ chính xác thấp hơn và dao động nhiều hơn so
        với khi dùng đủ 50.000 ảnh; nhưng các phép so sánh vẫn đúng.
        """),
    code("""
        import os
        import time
        from collections import Counter

        import numpy as np
        import chainrule as cr
        import chainrule.nn.functional as F
        from tqdm.auto import tqdm
    """),
    SHOW,
    md("""
        ## 4.1 The data

        The notebook looks for the archive at `../shared/data/cifar10-jpeg.tar` relative to the root of the
        chainrule repository it belongs to (set `CHAINRULE_CIFAR10_JPEG` to use another path). If it is not
        there, the cells marked `%%needs_cifar` print a note and are skipped instead of failing.

        We read only the images we need straight from the tar (one pass, about ten seconds), decode them with
        `cr.data.decode_images` and normalize per channel with statistics from the training images only. (For
        the full data set, `cr.data.load_dataset("folder:" + path)` decodes all 60,000 images once and caches
        them.)
        """, """
        ## 4.1 Dữ liệu

        Notebook tìm tệp nén ở `../shared/data/cifar10-jpeg.tar`, tính từ thư mục gốc của kho mã chainrule chứa
        nó (đặt biến môi trường `CHAINRULE_CIFAR10_JPEG` để dùng đường dẫn khác). Nếu không tìm thấy, các ô có đánh
        dấu `%%needs_cifar` sẽ in ra một ghi chú và được bỏ qua thay vì báo lỗi.

        Ta chỉ đọc những ảnh cần dùng trực tiếp từ tệp tar (đọc một lượt, khoảng mười giây), giải mã bằng
        `cr.data.decode_images` và chuẩn hóa theo từng kênh màu với thống kê chỉ lấy từ ảnh huấn luyện. (Với toàn
        bộ tập dữ liệu, `cr.data.load_dataset("folder:" + path)` giải mã cả 60.000 ảnh một lần và lưu vào bộ nhớ
        đệm.)
        """),
    code("""
        from pathlib import Path
        from IPython.core.magic import register_cell_magic


        def repository_root():
            \"\"\"The chainrule checkout: found from the working folder, else from the imported package.\"\"\"
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
            print(f"CIFAR-10 (JPEG copy) not found at {TAR}.\\n"
                  "The cells marked %%needs_cifar will be skipped. Put the archive there, or set "
                  "CHAINRULE_CIFAR10_JPEG to its path, and run the notebook again.")


        @register_cell_magic
        def needs_cifar(line, cell):
            \"\"\"Run the cell only when CIFAR-10 (JPEG copy) was found.\"\"\"
            if not HAVE_DATA:
                print("skipped: CIFAR-10 (JPEG copy) is not available (see the cell above)")
                return
            get_ipython().run_cell(cell).raise_error()
    """),
    code("""
        %%needs_cifar
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
    """),
    md("""
        ## 4.2 The training loop

        One function trains every model in this notebook: minibatch SGD with momentum on the softmax
        cross-entropy plus the L2 penalty $\\lambda \\sum W^2$ (`cr.nn.l2_penalty`). With `live=True` it shows
        a `tqdm` bar per epoch and `cr.viz.LiveCurves`, loss and accuracy curves that redraw in place after every
        epoch (and follow the batch loss within an epoch).
        """, """
        ## 4.2 Vòng lặp huấn luyện

        Một hàm duy nhất huấn luyện mọi mô hình trong notebook này: SGD theo minibatch với momentum trên hàm mất
        mát softmax cross-entropy cộng với phạt L2 $\\lambda \\sum W^2$ (`cr.nn.l2_penalty`). Với `live=True`, hàm
        hiển thị một thanh tiến trình `tqdm` cho mỗi epoch và `cr.viz.LiveCurves`, các đường cong mất mát và độ chính
        xác được vẽ lại tại chỗ sau mỗi epoch (và theo dõi mất mát của từng batch trong một epoch).
        """),
    code("""
        def evaluate(model, data):
            \"\"\"(loss, accuracy) on a whole Dataset, in eval mode and without building a graph.\"\"\"
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
    """),
    md("""
        ## 4.3 The linear classifier: one template per class

        `cr.nn.MLP(3072, [], 10)` has no hidden layer: it is $f = Wx + b$, with $W$ of shape $(10, 3072)$. Its
        weights start at zero, so that the pictures below show only what was learned, not a random start.
        """, """
        ## 4.3 Bộ phân loại tuyến tính: mỗi nhãn một khuôn mẫu

        `cr.nn.MLP(3072, [], 10)` không có lớp ẩn: đó là $f = Wx + b$, với $W$ kích thước $(10, 3072)$. Trọng số
        bắt đầu từ 0, để các hình bên dưới chỉ cho thấy những gì đã học được, không lẫn với giá trị khởi tạo ngẫu
        nhiên.
        """),
    code("""
        %%needs_cifar
        linear = cr.nn.MLP(3072, [], 10)
        cr.nn.init.zeros_(linear.linear_layers[0].weight)
        fit(linear, epochs=6, lr=1e-3, reg=1e-3, live=True, title="linear classifier")
        print(f"linear classifier: test accuracy {evaluate(linear, test)[1]:.1%} (chance: 10%)")
    """),
    md("""
        Each row of $W$ is a template: the score of a class is the dot product of the image with that class's
        row. Drawn as images they are blurry averages: the car template is the "ghost car" of the lecture,
        the mean of red, blue, left- and right-facing cars; the horse template may even have two heads.
        """, """
        Mỗi hàng của $W$ là một khuôn mẫu: điểm số (score) của một nhãn là tích vô hướng giữa ảnh và hàng của nhãn
        đó. Khi vẽ thành ảnh, chúng là những trung bình mờ nhạt: khuôn mẫu ô tô chính là "chiếc xe ma" trong bài
        giảng, trung bình của xe đỏ, xe xanh, xe quay trái, xe quay phải; khuôn mẫu ngựa thậm chí có thể có hai
        đầu.
        """),
    code("""
        %%needs_cifar
        show(cr.viz.plots.plot_templates(linear.linear_layers[0].weight, FIGURES / "linear_templates.png",
                                         image_shape=(32, 32, 3), class_names=CLASSES,
                                         title="linear classifier: one template per class"))
    """),
    md("""
        ## 4.4 The 2-layer net: 100 templates, shared between classes

        $f = W_2 \\max(0, W_1 x)$ with 100 hidden units. $W_1$ holds 100 templates; the second layer scores each
        class as a weighted combination of how strongly each template matched, so a "horse facing left" unit and
        a "horse facing right" unit can both vote for *horse*, and a unit that detects a colour or an edge can
        vote for several classes. $W_1$ starts small (standard deviation $10^{-3}$, as in the CS231n
        assignments) so that its templates, too, show what was learned.
        """, """
        ## 4.4 Mạng 2 lớp: 100 khuôn mẫu, dùng chung giữa các nhãn

        $f = W_2 \\max(0, W_1 x)$ với 100 nơ-ron ẩn. $W_1$ chứa 100 khuôn mẫu; lớp thứ hai tính điểm mỗi nhãn như một
        tổ hợp có trọng số của mức độ khớp với từng khuôn mẫu, nên một nơ-ron "ngựa quay trái" và một nơ-ron "ngựa
        quay phải" đều có thể bầu cho *ngựa*, và một nơ-ron phát hiện một màu sắc hay một cạnh có thể bầu cho
        nhiều nhãn. $W_1$ được khởi tạo nhỏ (độ lệch chuẩn $10^{-3}$, như trong các bài tập CS231n) để các khuôn
        mẫu của nó cũng chỉ cho thấy những gì đã học được.
        """),
    code("""
        def two_layer(hidden):
            model = cr.nn.MLP(3072, [hidden], 10)
            cr.nn.init.normal_(model.linear_layers[0].weight, std=1e-3)
            return model


        cr.manual_seed(0)
        net = two_layer(100)
        net
    """),
    code("""
        %%needs_cifar
        fit(net, epochs=6, lr=5e-3, reg=1e-3, live=True, title="2-layer net, 100 hidden units")
        print(f"2-layer net: test accuracy {evaluate(net, test)[1]:.1%}   "
              f"(linear classifier: {evaluate(linear, test)[1]:.1%})")
        show(cr.viz.plots.plot_templates_comparison(linear.linear_layers[0].weight, net.linear_layers[0].weight,
                                                    FIGURES / "templates.png", class_names=CLASSES,
                                                    image_shape=(32, 32, 3)))
    """),
    md("""
        **Why the max matters.** Remove it and the two layers collapse into one matrix, $W_2 W_1 = W_3$
        (lecture eq. 2): the "deep" net is a linear classifier again, with the same 10-template limit.
        """, """
        **Vì sao hàm max quan trọng.** Bỏ nó đi thì hai lớp gộp lại thành một ma trận, $W_2 W_1 = W_3$ (công thức 2
        trong bài giảng): mạng "sâu" lại trở thành một bộ phân loại tuyến tính, với cùng giới hạn 10 khuôn mẫu.
        """),
    code("""
        no_max = cr.nn.MLP(3072, [100], 10, activation=None)
        W3, b3 = no_max.collapsed()
        probe = np.random.default_rng(0).standard_normal((5, 3072)).astype(np.float32)
        with cr.no_grad():
            two_layers = no_max(cr.tensor(probe)).data
        one_matrix = probe @ np.asarray(W3).T + np.asarray(b3)
        print("W3:", np.asarray(W3).shape, " max |two layers - one matrix| =", np.abs(two_layers - one_matrix).max())
    """),
    md("""
        ## 4.5 Network size and regularization

        The lecture's question: to avoid overfitting, use a small network, or a big one with regularization?
        The answer: **prefer the big network and control overfitting with the regularization strength
        $\\lambda$**. Below, 2-layer nets of 10, 50 and 200 hidden units, each with three values of $\\lambda$,
        trained for 5 epochs each.
        """, """
        ## 4.5 Kích thước mạng và regularization

        Câu hỏi trong bài giảng: để tránh overfitting, nên dùng mạng nhỏ hay mạng lớn kèm regularization? Câu trả
        lời: **ưu tiên mạng lớn và kiểm soát overfitting bằng độ mạnh regularization $\\lambda$**. Dưới đây là các
        mạng 2 lớp với 10, 50 và 200 nơ-ron ẩn, mỗi mạng với ba giá trị $\\lambda$, mỗi lần huấn luyện 5 epoch.
        """),
    code("""
        %%needs_cifar
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
        display(Markdown("\\n".join(table)))
    """),
    md("""
        How to read the table: for a fixed size, a larger $\\lambda$ lowers the training accuracy and narrows
        the gap between training and validation accuracy: regularization is the knob that controls
        overfitting. Across sizes, the bigger nets overfit more without regularization, yet reach the better
        validation accuracy, and a big net with a strong $\\lambda$ still beats the small one. With 5,000 images
        and 5 epochs, differences of a point or two are within noise; on the full data set (`chainrule train`,
        or the `size-vs-regularization` experiment of `chainrule lecture`) the trend is clearer.

        **The rule (lecture 3.1):** do not use the size of the network to fight overfitting; use regularization.
        """, """
        Cách đọc bảng: với cùng một kích thước mạng, $\\lambda$ lớn hơn làm giảm độ chính xác huấn luyện và thu hẹp
        khoảng cách giữa độ chính xác huấn luyện và kiểm định: regularization chính là núm vặn điều khiển
        overfitting. Giữa các kích thước, mạng lớn hơn overfit nhiều hơn khi không có regularization, nhưng vẫn đạt
        độ chính xác kiểm định tốt hơn, và một mạng lớn với $\\lambda$ mạnh vẫn thắng mạng nhỏ. Với 5.000 ảnh và
        5 epoch, chênh lệch một hai điểm phần trăm vẫn nằm trong mức nhiễu; trên toàn bộ tập dữ liệu
        (`chainrule train`, hoặc thí nghiệm `size-vs-regularization` của `chainrule lecture`) xu hướng này rõ hơn.

        **Quy tắc (mục 3.1 trong bài giảng):** không dùng kích thước mạng để chống overfitting; hãy dùng
        regularization.
        """),
]


NOTEBOOKS = {
    "01_computational_graphs.ipynb": NB01,
    "02_vectorized_backprop.ipynb": NB02,
    "03_activation_functions.ipynb": NB03,
    "04_linear_to_two_layer_cifar10.ipynb": NB04,
}


def build(cells, language: str) -> nbformat.NotebookNode:
    """One notebook in ``language`` ("en" or "vi"), without outputs, with fixed cell ids."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "chainrule": {"language": language, "generated_by": "notebooks/build.py"},
    }
    for i, (kind, en, vi) in enumerate(cells):
        cell_id = f"cell-{i:02d}"
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(en if language == "en" else vi, id=cell_id))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(en, id=cell_id))
    nbformat.validate(nb)
    return nb


def render(nb) -> str:
    return nbformat.writes(nb) + "\n"


def outputs() -> dict:
    """``{path: text}`` for every notebook this script makes."""
    return {folder / name: render(build(cells, lang))
            for lang, folder in LANGUAGES.items() for name, cells in NOTEBOOKS.items()}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if check:
            stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run python notebooks/build.py):", ", ".join(str(p) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
