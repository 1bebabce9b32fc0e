#!/usr/bin/env bash
# The CUDA build checked on a GPU, in one short run (a few minutes): the lesson, a sweep, a
# surface, training and a landscape on --device cpu and --device cuda, in f32 and f64, their
# outputs compared (1e-5 relative in f32, 1e-10 in f64), then the 1,000,000-point ×
# 100,000-weight sweep and a 1,000,000-point training epoch timed on each. Prints one table and
# exits 1 on any mismatch.
#
# Made for the GPU machine, which has the CUDA toolkit and driver but no Rust: build the binary
# here with scripts/build-cuda.sh, carry it with this script and data/, and run
#
#     scripts/gpu-check.sh [BINARY]        # default: target/cuda/release/explore
#
# SLOPE_CHECK_DEVICE=cpu rehearses the whole script where there is no GPU (cpu against cpu).
set -uo pipefail
DEV=${SLOPE_CHECK_DEVICE:-cuda}
cd "$(dirname "$0")/.."
BIN=${1:-target/cuda/release/explore}
[ -x "$BIN" ] || { echo "error: no binary at $BIN: build it with scripts/build-cuda.sh" >&2; exit 2; }

# The CUDA 13 libraries: the toolkit's, or those of a Python environment's nvidia packages.
dirs=()
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
    [ -d "$d" ] && dirs+=("$d")
done
while IFS= read -r d; do dirs+=("$d"); done < <(
    for py in python3 /opt/torch/.venv/bin/python3; do
        command -v "$py" >/dev/null && "$py" - <<'EOF' 2>/dev/null
import glob, site, sys
for base in site.getsitepackages() + [site.getusersitepackages()]:
    for d in glob.glob(base + "/nvidia/cu13/lib") + glob.glob(base + "/nvidia/*/lib"):
        print(d)
EOF
    done | sort -u)
export LD_LIBRARY_PATH=$(IFS=:; echo "${dirs[*]}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
if ldd "$BIN" | grep -q "not found"; then
    echo "error: libraries not found:" >&2
    ldd "$BIN" | grep "not found" >&2
    exit 2
fi
if ! "$BIN" sweep --point -3,3 --device "$DEV" -q > /dev/null; then
    echo "error: no CUDA device answered (see above)" >&2
    exit 2
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
status=0
rows=()

# Compares two CSV outputs number by number: prints the largest relative difference, fails
# above the tolerance.
compare() {
    python3 - "$1" "$2" "$3" <<'EOF'
import csv, sys
a, b, tol = list(csv.reader(open(sys.argv[1]))), list(csv.reader(open(sys.argv[2]))), float(sys.argv[3])
if len(a) != len(b) or a[0] != b[0]:
    print("shape differs"); sys.exit(1)
worst = 0.0
for ra, rb in zip(a[1:], b[1:]):
    for x, y in zip(ra, rb):
        x, y = float(x), float(y)
        scale = max(abs(x), abs(y))
        d = abs(x - y) / scale if scale > 1e-30 else 0.0
        worst = max(worst, d)
print(f"{worst:.1e}")
sys.exit(0 if worst <= tol else 1)
EOF
}

check() {  # check NAME ARGS...: cpu against cuda, f32 and f64
    local name=$1; shift
    for dtype in f32 f64; do
        local tol=1e-5; [ "$dtype" = f64 ] && tol=1e-10
        "$BIN" "$@" --dtype "$dtype" --device cpu --format csv -q > "$TMP/cpu.csv" || { rows+=("| $name | $dtype | cpu run failed | |"); status=1; continue; }
        "$BIN" "$@" --dtype "$dtype" --device "$DEV" --format csv -q > "$TMP/cuda.csv" || { rows+=("| $name | $dtype | $DEV run failed | |"); status=1; continue; }
        if diff=$(compare "$TMP/cpu.csv" "$TMP/cuda.csv" "$tol"); then
            rows+=("| $name | $dtype | same (largest difference $diff) | ≤ $tol |")
        else
            rows+=("| $name | $dtype | MISMATCH (largest difference $diff) | ≤ $tol |"); status=1
        fi
    done
}

check "lesson: sweep --point -3,3" sweep --point -3,3 --method direct
check "sweep, data/linear.csv, 101 weights" sweep --data data/linear.csv --method direct --weights -2:4:101
check "surface, data/linear.csv, 41 × 41" surface --data data/linear.csv --method direct --weights -1:3:41 --biases -10:10:41
check "train, data/linear.csv, 50 epochs" train --data data/linear.csv --epochs 50
check "landscape, data/sine.csv, 20 epochs, 21 × 21" landscape --data data/sine.csv --epochs 20 --steps 21

# Timings of the whole command on a million points, each device.
"$BIN" gen --n 1000000 --out "$TMP/1m.csv" -q
calc() { python3 -c "print($1)"; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null || return 1; t1=$(date +%s.%N); calc "$t1 - $t0"; }
for device in cpu "$DEV"; do
    read_s=$(seconds "$BIN" train --data "$TMP/1m.csv" --epochs 0 -q --device "$device")
    sweep_s=$(seconds "$BIN" sweep --data "$TMP/1m.csv" --method direct --weights -3:5:100000 -q --device "$device")
    train_s=$(seconds "$BIN" train --data "$TMP/1m.csv" --epochs 100 -q --device "$device")
    sweep_rate=$(calc "1000000 * 100000 / ($sweep_s - $read_s) / 1e9")
    epoch_ms=$(calc "($train_s - $read_s) / 100 * 1000")
    rows+=("| 1e6 points × 1e5 weights, direct sweep, f32 | $device | $(printf '%.2f s whole, %.1f G eval/s' "$sweep_s" "$sweep_rate") | |")
    rows+=("| 1e6-point training epoch, f32 (100 epochs) | $device | $(printf '%.2f s whole, %.2f ms/epoch' "$train_s" "$epoch_ms") | |")
done

echo "| check | dtype or device | result | tolerance |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "binary: $BIN; $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"
exit $status
