"""TrainConfig: parsing each setting, precedence (defaults < recipe < file < flags), TOML files."""
from __future__ import annotations

import pytest

from chainrule.errors import ConfigError
from chainrule.train import RECIPES, TrainConfig, resolve
from chainrule.train.config import parse_hidden, read_toml


@pytest.mark.parametrize("value, expected", [
    ("100", (100,)), (100, (100,)), ("512,256", (512, 256)), ("512x256", (512, 256)), ([64, 32], (64, 32)),
    (" 8 , 4 ", (8, 4)), ("none", ()), ([], ()),
])
def test_hidden_formats(value, expected):
    assert parse_hidden("hidden", value) == expected


@pytest.mark.parametrize("value", ["abc", "10,-3", "1.5", [True], {"a": 1}, "10,,20"])
def test_bad_hidden(value):
    with pytest.raises(ConfigError, match="--hidden"):
        parse_hidden("hidden", value)


def test_precedence_defaults_recipe_file_flags():
    cfg = resolve()
    assert (cfg.dataset, cfg.model) == ("spiral", "mlp")
    assert cfg.lr == RECIPES[("toy", "mlp")]["lr"]                    # the recipe over the defaults
    cfg = resolve(file_values={"lr": 0.3, "epochs": 7})
    assert (cfg.lr, cfg.epochs) == (0.3, 7)                            # the file over the recipe
    cfg = resolve({"lr": "0.05"}, {"lr": 0.3, "epochs": 7})
    assert (cfg.lr, cfg.epochs) == (0.05, 7)                           # the flags over the file
    cfg = resolve({"dataset": "cifar10"})
    assert cfg.augment and cfg.schedule == "onecycle" and cfg.hidden == (2048,)
    assert resolve({"dataset": "cifar10", "augment": "false"}).augment is False


def test_aliases_and_case():
    cfg = resolve({"dataset": "CIFAR-10", "optimizer": "Adam", "schedule": "one-cycle", "activation": "leaky-relu"})
    assert (cfg.dataset, cfg.optimizer, cfg.schedule, cfg.activation) == ("cifar10", "adam", "onecycle", "leaky_relu")


@pytest.mark.parametrize("flags, match", [
    ({"optimizer": "lbfgs"}, "valid names are sgd"),
    ({"dataset": "imagenet"}, "valid names are spiral"),
    ({"momentum": "1.0"}, "--momentum"),
    ({"seed": "-1"}, "--seed"),
    ({"val_size": "2.5"}, "--val-size"),
    ({"learning_rate": 1}, "unknown setting 'learning_rate'"),
    ({"model": "mlp", "hidden": "none"}, "at least one hidden layer"),
    ({"augment": "yes"}, "--augment crops and flips images"),
    ({"optimizer": "momentum", "momentum": "0"}, "plain SGD"),
])
def test_bad_settings(flags, match):
    with pytest.raises(ConfigError, match=match):
        resolve(flags)


def test_round_trip_through_json_dict():
    cfg = resolve({"dataset": "moons", "hidden": "32,16", "dropout": "0.1"})
    again = TrainConfig.from_dict(cfg.to_dict())
    assert again == cfg and again.hidden == (32, 16)


def test_toml_top_level_or_train_table(tmp_path):
    (tmp_path / "a.toml").write_text('epochs = 3\n[train]\nlr = 0.2\nhidden = "64x32"\n')
    values = read_toml(tmp_path / "a.toml")
    assert values == {"epochs": 3, "lr": 0.2, "hidden": "64x32"}
    assert resolve(file_values=values).hidden == (64, 32)
    (tmp_path / "b.toml").write_text("epochs = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_toml(tmp_path / "b.toml")


def test_describe_model():
    assert resolve({"model": "linear"}).describe_model() == "linear classifier"
    assert resolve({"hidden": "512,256"}).describe_model() == "3-layer net (512,256 hidden, relu)"


def test_augmentation_choice():
    from types import SimpleNamespace

    from chainrule.data import Compose, RandomCrop, RandomHorizontalFlip
    from chainrule.train.experiment import build_augmentation
    cifar = SimpleNamespace(image_shape=(32, 32, 3), name="c")
    mnist = SimpleNamespace(image_shape=(28, 28, 1), name="m")
    assert build_augmentation(resolve({"dataset": "cifar10", "augment": "false"}), cifar) is None
    crop = build_augmentation(resolve({"dataset": "cifar10", "crop_padding": "none"}), cifar).transforms[0]
    assert isinstance(crop, RandomCrop) and crop.padding == 4                # the usual CIFAR padding ...
    assert build_augmentation(resolve({"dataset": "cifar10"}), cifar).transforms[0].padding == 2   # ... the recipe's
    assert build_augmentation(resolve({"dataset": "fashion-mnist", "augment": "true"}), mnist).transforms[0].padding == 2
    flips = build_augmentation(resolve({"dataset": "cifar10", "crop_padding": "0"}), cifar)
    assert isinstance(flips, RandomHorizontalFlip) and not isinstance(flips, Compose)
    with pytest.raises(ConfigError, match="--crop-padding"):
        resolve({"crop_padding": "-1"})
