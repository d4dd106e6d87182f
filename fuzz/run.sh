#!/usr/bin/env bash
# Runs the fuzz targets (all, or those named after SECONDS) for SECONDS (default 60)
# each, seeded with the repository's real fixtures: fuzz/run.sh 120 onnx gguf Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain
# RUSTC_BOOTSTRAP=1 lets it use the sanitizer flags it needs.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
mkdir -p corpus/edgelist corpus/mtx corpus/npy corpus/onnx corpus/gguf corpus/safetensors corpus/pt2
head -c 4000 ../data/cora/edges.tsv > corpus/edgelist/cora-head.tsv
printf '%%%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 1.5\n3 2 2\n' > corpus/mtx/small.mtx
cp -f ../data/cora/labels.npy corpus/npy/
cp -f ../data/onnx/test_if.onnx ../data/onnx/test_loop11.onnx ../data/onnx/light_resnet50.onnx corpus/onnx/
cp -f ../data/gguf/tiny-gpt2.gguf corpus/gguf/
cp -f ../data/pt2/digits_cnn.pt2 corpus/pt2/
targets=("${@:2}")
[ ${#targets[@]} -gt 0 ] || targets=(edgelist mtx npy onnx gguf safetensors pt2)
RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer none
status=0
for target in "${targets[@]}"; do
    echo "== $target"
    RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=262144 -timeout=10 -rss_limit_mb=2048 \
        > "corpus/$target.log" 2>&1 || status=1
    grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs|ERROR|panicked" "corpus/$target.log" | tail -3
done
exit $status
