#!/usr/bin/env bash
# The runs behind docs/results.md, one at a time (each uses both cores). Run from the repository root:
#   bash scripts/results.sh [spiral|fashion|cifar-linear|cifar-mlp|all]
# Each run writes runs/results/<name>/ (final.json holds the figures, metrics.jsonl the curves).
set -euo pipefail
OUT=${OUT:-runs/results}
CIFAR_DIR=${CIFAR_DIR:-"$(cd "$(dirname "$0")/../.." && pwd)/shared/data"}           # holds cifar10-jpeg.tar, the CIFAR-10 (JPEG copy)
what=${1:-all}

run() { echo "+ $*"; /usr/bin/time -f "wall %e s" "$@"; }

if [[ $what == spiral || $what == all ]]; then
  run chainrule train --out "$OUT" --name spiral
fi
if [[ $what == fashion || $what == all ]]; then
  run chainrule train --dataset fashion-mnist --model mlp --hidden 1000 --dropout 0.2 --optimizer adam \
      --lr 1e-3 --reg 0 --epochs 20 --batch-size 128 --schedule cosine --seed 0 --out "$OUT" --name fashion-mlp
fi
if [[ $what == cifar-linear || $what == all ]]; then
  run chainrule train --dataset cifar10 --data-dir "$CIFAR_DIR" --model linear --optimizer momentum --lr 0.01 \
      --reg 2e-2 --epochs 20 --batch-size 200 --schedule cosine --seed 0 --out "$OUT" --name cifar10-linear
fi
if [[ $what == cifar-mlp || $what == all ]]; then
  run chainrule train --dataset cifar10 --data-dir "$CIFAR_DIR" --model mlp --hidden 2048 --optimizer nesterov \
      --momentum 0.9 --lr 0.04 --reg 1e-4 --schedule onecycle --warmup 2 --augment --crop-padding 2 --epochs 50 \
      --batch-size 256 --seed 0 --out "$OUT" --name cifar10-mlp
fi
