#!/usr/bin/env bash
# Builds the CUDA `explore` (`cargo build --release --features cuda`) on a machine with no GPU
# and no system CUDA, as ../shared/CUDA.md describes:
#
#   - nvcc and the CUDA libraries come from PyPI, pinned to CUDA 13.0, into a virtual
#     environment outside the repository ($SLOPE_CUDA_DIR, default ~/.cache/slope-cuda-13.0);
#   - the libraries are linked under their unversioned names, and libcuda (which only the NVIDIA
#     driver ships) against a stub made here whose every entry point answers "no CUDA device";
#   - the binary and the examples go to target/cuda/release, stripped, with a run path to those
#     folders: here the stub answers, so `--device auto` runs on the CPU and `--device cuda`
#     exits 1 in one line; on a GPU machine the folders are not there and the driver's libcuda
#     and the toolkit's libraries are found as usual (scripts/gpu-check.sh sets the path).
#
# Running it again reuses what is installed and built.
#
#     scripts/build-cuda.sh            # prints where the binary is, and `ldd` of it
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${SLOPE_CUDA_DIR:-$HOME/.cache/slope-cuda-13.0}
VENV=$DIR/venv
LIB=$DIR/lib
start=$(date +%s)

# CUDA 13.0 throughout: cudarc 0.19 takes up to 13.4, and nvvm newer than nvcc breaks ptxas.
PACKAGES=(
    nvidia-cuda-nvcc==13.0.88 nvidia-cuda-crt==13.0.88 nvidia-nvvm==13.0.88
    nvidia-cuda-cccl==13.0.85 nvidia-cuda-runtime==13.0.88 nvidia-cuda-nvrtc==13.0.88
    nvidia-curand==10.4.0.35 nvidia-cublas==13.0.2.14
)
if [ ! -x "$VENV/bin/pip" ]; then
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/pip" freeze 2>/dev/null | grep -q "^nvidia-cublas==13.0.2.14$"; then
    echo "== installing CUDA 13.0 from PyPI into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PACKAGES[@]}"
fi
CU=$(echo "$VENV"/lib/python3*/site-packages/nvidia/cu13)
[ -x "$CU/bin/nvcc" ] || { echo "error: no nvcc under $CU" >&2; exit 1; }

# The libraries under the names the linker asks for.
mkdir -p "$LIB"
for name in cudart nvrtc curand cublas cublasLt; do
    file=$(ls "$CU"/lib/lib$name.so.* 2>/dev/null | head -1)
    [ -n "$file" ] || { echo "error: no lib$name.so.* under $CU/lib" >&2; exit 1; }
    ln -sf "$file" "$LIB/lib$name.so"
done

# The stub libcuda: every driver entry point cudarc declares returns CUDA_ERROR_NO_DEVICE (100),
# and the two that describe an error say so.
if [ ! -f "$LIB/libcuda.so.1" ]; then
    echo "== making a stub libcuda.so"
    cargo fetch --quiet
    sys=$(ls -d "$HOME"/.cargo/registry/src/*/cudarc-0.19.*/src/driver/sys/mod.rs | tail -1)
    {
        echo '/* A stand-in for the NVIDIA driver library, to link against where there is none. */'
        echo 'static const char *no_device = "no CUDA device (stub libcuda: no NVIDIA driver here)";'
        echo 'int cuGetErrorString(int e, const char **s) { (void)e; *s = no_device; return 0; }'
        echo 'int cuGetErrorName(int e, const char **s) { (void)e; *s = "CUDA_ERROR_NO_DEVICE"; return 0; }'
        grep -o 'pub unsafe fn cu[A-Za-z0-9_]*' "$sys" | sed 's/pub unsafe fn //' | sort -u |
            grep -v -x -e cuGetErrorString -e cuGetErrorName |
            sed 's/.*/int &(void) { return 100; }/'
    } > "$LIB/stub.c"
    gcc -shared -fPIC -O1 -Wl,-soname,libcuda.so.1 -o "$LIB/libcuda.so.1" "$LIB/stub.c"
    ln -sf libcuda.so.1 "$LIB/libcuda.so"
fi

echo "== cargo build --release --features cuda (target/cuda)"
export PATH=$CU/bin:$PATH CUDA_ROOT=$CU CUDA_PATH=$CU CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-90}
export CARGO_TARGET_DIR=$ROOT/target/cuda
# DT_RPATH (not RUNPATH), so that the CUDA libraries find each other there too.
export RUSTFLAGS="-L $LIB -C link-arg=-Wl,--disable-new-dtags,-rpath,$LIB:$CU/lib"
cargo build --release --features cuda -p slope-explore --bin explore
cargo build --release --features cuda --examples
bin=$CARGO_TARGET_DIR/release/explore
strip "$bin"
for example in single_point gradient_descent; do
    strip "$CARGO_TARGET_DIR/release/examples/$example"
done

echo "== built in $(( $(date +%s) - start )) s: $bin ($(du -h "$bin" | cut -f1))"
ldd "$bin"
