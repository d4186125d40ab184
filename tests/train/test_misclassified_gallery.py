"""misclassified.png: the test images a run's model gets wrong, with their true and predicted classes."""
import numpy as np
import pytest

from chainrule.train import TrainConfig, build_experiment, load_data
from chainrule.nn import functional as F
from chainrule.train.metrics import predict_scores
from chainrule.viz.run_pictures import _misclassified


def test_the_gallery_holds_the_first_wrong_test_images_in_raw_pixels(tmp_path):
    Image = pytest.importorskip("PIL.Image", reason="writing the test images needs Pillow")
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        for k, name in enumerate(("a", "b")):
            (tmp_path / split / name).mkdir(parents=True)
            for i in range(12):
                Image.fromarray(rng.integers(0, 256, (4, 4), dtype=np.uint8)).save(tmp_path / split / name / f"{i}.png")
    cfg = TrainConfig(dataset=f"folder:{tmp_path}", model="linear", epochs=1)
    splits = load_data(cfg)
    model = build_experiment(cfg, None, "none", splits).model
    model[0].weight.data[:] = rng.standard_normal(model[0].weight.shape)       # a model that errs
    images, true, pred, prob = _misclassified(model, splits, limit=5)
    p = F.softmax(predict_scores(model, splits.test.X).astype(np.float64), dim=1)
    wrong = np.flatnonzero(p.argmax(1) != splits.test.y)[:5]
    assert len(wrong) == 5
    np.testing.assert_array_equal(true, splits.test.y[wrong])
    np.testing.assert_array_equal(pred, p.argmax(1)[wrong])
    np.testing.assert_allclose(prob, p[wrong].max(1))
    assert images.shape[0] == 5 and images.shape[1:3] == (4, 4)
    raw = splits.preprocessor.inverse(splits.test.X[wrong]).reshape(images.shape)
    np.testing.assert_allclose(images, raw)
    assert 0 <= images.min() and images.max() <= 255
