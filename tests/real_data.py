"""The real data sets some tests use when they are present, found where users point chainrule: $CHAINRULE_DATA
(tests/conftest.py sets it to the shared/data folder beside the checkout when there is one, as on CI)."""
import os
from pathlib import Path

DATA_DIR = Path(os.environ.get("CHAINRULE_DATA") or "$CHAINRULE_DATA is not set")
CIFAR_JPEG_TAR = DATA_DIR / "cifar10-jpeg.tar"
