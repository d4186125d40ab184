// The page's words in English and Vietnamese (?lang=vi), in the lecture's terms ("lớp" layer, "nhãn" class).
"use strict";
window.I18N = {
  en: {
    playground: "playground", reset: "reset", play: "play", pause: "pause", step: "step",
    regenerate: "regenerate data", step_count: "step", epoch: "epoch",
    data: "Data", problem: "problem", classification: "classification", regression: "regression",
    dataset: "data set", points: "points", classes: "classes", noise: "noise", train_ratio: "train share",
    batch_size: "batch size", seed: "seed", click_does: "a click on the picture",
    inspect: "inspects a point (backprop)", draw: "draws a point of", clear: "clear points",
    upload: "your CSV (x1,x2,label)", features: "Features", network: "Network", hidden_layers: "hidden layers",
    activation: "activation", linear: "linear (none)", regularization: "regularization", none: "none",
    dropout: "dropout p", optimizer: "optimizer", momentum: "SGD + momentum", lr: "learning rate",
    network_hint: "Each unit shows what it responds to over the plane (blue +, orange −); edges are weights " +
      "(blue +, orange −, width = size). Grey with a cross: a dead ReLU (0 on every training point); " +
      "orange ring: a saturated unit.",
    output: "Output", train_loss: "train loss", test_loss: "test loss", train_acc: "train accuracy",
    test_acc: "test accuracy", show_test: "show test points", curves: "loss and accuracy",
    gradient_flow: "gradient flow: ‖dL/dW‖ per layer (log scale)", backprop: "Backprop, step by step",
    backprop_hint: "Pause, then click a training point on the picture: its forward pass through the graph " +
      "chainrule recorded, then the backward pass in reverse, each gate's downstream = local × upstream.",
    gradcheck: "numerical gradient check", gradcheck_button: "check the gradients numerically",
    expression: "a typed expression (chainrule graph --explain)", explain: "explain",
    code: "Show me the code", code_button: "show the code of this run", download_code: "download .py",
    download_model: "export the model (cr.save, safetensors)", download_metrics: "export the metrics (CSV)",
    class: "class", layer: "layer", units: "units", dead: "dead", saturated: "saturated",
    input: "input", output_layer: "output", forward: "Forward pass", backward: "Backward pass",
    gate: "gate", role: "role", inputs: "inputs", value: "output", upstream: "upstream", local: "local",
    downstream: "downstream = local × upstream", train: "train", test: "test", accuracy: "accuracy", point: "point", label: "label", loss: "loss",
    parameter: "parameter", shape: "shape", probed: "probed", rel_error: "relative error",
    cost: (n, t, p, full, tb) => `numerical: ${n} forward passes (${t}); a full numerical gradient of all ${p} ` +
      `parameters needs ${full}. Backprop: 1 forward + 1 backward (${tb}) for all of them (lecture 4.1).`,
    weights_note: "(first 16 units of each layer drawn)",
    roles: {},
    datasets: {spiral: "spiral", circles: "circles", xor: "xor", gaussian: "Gaussian blobs", moons: "moons",
               custom: "your points", plane: "plane", bumps: "two bumps"},
  },
  vi: {
    playground: "sân chơi", reset: "đặt lại", play: "chạy", pause: "dừng", step: "một bước",
    regenerate: "tạo lại dữ liệu", step_count: "bước", epoch: "epoch",
    data: "Dữ liệu", problem: "bài toán", classification: "phân loại", regression: "hồi quy",
    dataset: "tập dữ liệu", points: "số điểm", classes: "số nhãn", noise: "nhiễu", train_ratio: "tỉ lệ huấn luyện",
    batch_size: "kích thước batch", seed: "seed", click_does: "nhấp chuột vào hình để",
    inspect: "xem một điểm (lan truyền ngược)", draw: "vẽ một điểm có nhãn", clear: "xóa các điểm",
    upload: "tệp CSV của bạn (x1,x2,nhãn)", features: "Đặc trưng đầu vào", network: "Mạng", hidden_layers: "lớp ẩn",
    activation: "hàm kích hoạt", linear: "tuyến tính (không có)", regularization: "điều chuẩn", none: "không",
    dropout: "dropout p", optimizer: "bộ tối ưu", momentum: "SGD + momentum", lr: "tốc độ học",
    network_hint: "Mỗi nơ-ron cho thấy nó phản ứng thế nào trên mặt phẳng (xanh +, cam −); cạnh là trọng số " +
      "(xanh +, cam −, độ dày = độ lớn). Xám có dấu chéo: ReLU chết (bằng 0 trên mọi điểm huấn luyện); " +
      "viền cam: nơ-ron bão hòa.",
    output: "Đầu ra", train_loss: "mất mát huấn luyện", test_loss: "mất mát kiểm tra",
    train_acc: "độ chính xác huấn luyện", test_acc: "độ chính xác kiểm tra", show_test: "hiện điểm kiểm tra",
    curves: "mất mát và độ chính xác", gradient_flow: "dòng gradient: ‖dL/dW‖ theo lớp (thang log)",
    backprop: "Lan truyền ngược từng bước",
    backprop_hint: "Dừng lại, rồi nhấp vào một điểm huấn luyện trên hình: lượt xuôi qua đồ thị mà chainrule " +
      "đã ghi lại, rồi lượt ngược theo thứ tự đảo, mỗi cổng: downstream = cục bộ × upstream.",
    gradcheck: "kiểm tra gradient bằng số", gradcheck_button: "kiểm tra gradient bằng số",
    expression: "một biểu thức tự gõ (chainrule graph --explain)", explain: "giải thích",
    code: "Xem mã", code_button: "hiện mã của lần chạy này", download_code: "tải tệp .py",
    download_model: "xuất mô hình (cr.save, safetensors)", download_metrics: "xuất số liệu (CSV)",
    class: "nhãn", layer: "lớp", units: "nơ-ron", dead: "chết", saturated: "bão hòa",
    input: "đầu vào", output_layer: "đầu ra", forward: "Lượt xuôi", backward: "Lượt ngược",
    gate: "cổng", role: "vai trò", inputs: "đầu vào", value: "đầu ra", upstream: "gradient từ phía sau (upstream)",
    local: "gradient cục bộ", downstream: "downstream = cục bộ × upstream", train: "huấn luyện",
    test: "kiểm tra", accuracy: "độ chính xác", point: "điểm",
    label: "nhãn", loss: "mất mát", parameter: "tham số", shape: "kích thước", probed: "số phần tử thử",
    rel_error: "sai số tương đối",
    cost: (n, t, p, full, tb) => `bằng số: ${n} lượt xuôi (${t}); gradient bằng số của cả ${p} tham số cần ` +
      `${full} lượt. Lan truyền ngược: 1 lượt xuôi + 1 lượt ngược (${tb}) cho tất cả (bài giảng 4.1).`,
    weights_note: "(vẽ 16 nơ-ron đầu của mỗi lớp)",
    roles: {
      "gradient distributor": "bộ phân phối gradient", "swap multiplier": "bộ nhân hoán đổi",
      "gradient router": "bộ định tuyến gradient", "copy gate: gradient adder": "cổng sao chép: bộ cộng gradient",
      "x @ W.T + b: swap multiplier (matrix form) and distributor (to b)":
        "x @ W.T + b: bộ nhân hoán đổi (dạng ma trận) và bộ phân phối (tới b)",
      "softmax + log loss: downstream = softmax(scores) - onehot(label)":
        "softmax + mất mát log: downstream = softmax(điểm số) - onehot(nhãn)",
      "squared error": "sai số bình phương",
    },
    datasets: {spiral: "xoắn ốc", circles: "hai vòng tròn", xor: "xor", gaussian: "cụm Gauss", moons: "hai trăng khuyết",
               custom: "điểm của bạn", plane: "mặt phẳng", bumps: "hai chỏm"},
  },
};
