"""Which of PyTorch's tensor functions and Tensor methods chainrule does not provide, for docs/api.md's
"Not provided" section (tests/docs checks that the section is what this prints).

Measured against the installed torch: its public functions that are also Tensor methods (the tensor ops), and
its public Tensor methods; names outside chainrule's scope (complex numbers, quantization, sparse and
strided-storage internals, devices) are left out by the rules below.

    python scripts/torch_names_missing.py            # print the section's text
    python scripts/torch_names_missing.py --write    # rewrite the section in docs/api.md
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
BEGIN, END = "<!-- torch names not provided: begin -->", "<!-- torch names not provided: end -->"
OUT_OF_SCOPE = re.compile(r"^(q_|qscheme|dequantize|int_repr|.*sparse|to_mkldnn|.*_nested|as_strided|resize|"
                          r"conj|resolve_|is_conj|is_neg|real$|imag$|angle$|view_as_|.*complex|unsafe_|"
                          r"cuda|cpu_|mps|xpu|ipu|hpu|is_pinned|pin_memory|share_memory|.*storage|data_ptr|"
                          r"record_stream|get_device|is_distributed|dim_order|module_load|hash_tensor|"
                          r"is_shared|is_set_to|set_$|smm$|sspaddmm|nonzero_static|slice_inverse|"
                          r"refine_names|rename|align_|has_names|new_empty_strided|put$|register_post_|c?col_indices|"
                          r"c?row_indices|coalesce|is_coalesced|dense_dim|indices$|values$|to_dense|"
                          r"to_padded_tensor|mtia|const_data_ptr|as_subclass|reinforce|cdouble|cfloat|chalf)")


def missing():
    """``(functions, in_place, methods)``: sorted names torch has and chainrule lacks (a function counts as
    lacking when ``cr.name`` or ``Tensor.name`` is missing)."""
    import torch
    import chainrule as cr

    def public(owner):
        return {n for n in dir(owner) if not n.startswith("_") and callable(getattr(owner, n, None))}

    ops = {n for n in public(torch) if n.islower() and n in public(torch.Tensor)}
    methods = public(torch.Tensor)
    lacking = {n for n in ops if not hasattr(cr, n) and not n.endswith("_")}      # torch.relu_ and such: rare
    lacking |= {n for n in methods if not hasattr(cr.Tensor, n)}
    lacking = {n for n in lacking if not OUT_OF_SCOPE.match(n)}
    in_place = sorted(n for n in lacking if n.endswith("_"))
    functions = sorted(n for n in lacking - set(in_place) if n in ops)
    return functions, in_place, sorted(lacking - set(in_place) - set(functions))


def section() -> str:
    functions, in_place, methods = missing()
    lines = [f"Measured with `python scripts/torch_names_missing.py` against torch's tensor functions and "
             f"Tensor methods (complex numbers, quantization, sparse and storage internals and devices left "
             f"out): {len(functions) + len(in_place) + len(methods)} names.", "",
             f"- Functions and their methods ({len(functions)}): " + ", ".join(f"`{n}`" for n in functions) + ".",
             f"- In-place methods ({len(in_place)}): " + ", ".join(f"`{n}`" for n in in_place) + ".",
             f"- Tensor methods only ({len(methods)}): " + ", ".join(f"`{n}`" for n in methods) + "."]
    return "\n".join(lines)


def write(path=ROOT / "docs" / "api.md") -> None:
    text = path.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    path.write_text(text[:start] + "\n" + section() + "\n" + text[end:])


if __name__ == "__main__":
    write() if "--write" in sys.argv[1:] else print(section())
