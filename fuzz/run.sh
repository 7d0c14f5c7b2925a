#!/usr/bin/env bash
# Runs the cargo-fuzz (libFuzzer) targets of apple-vpp. Not part of CI.
#
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
#   SECONDS  how long to run each target (default 600)
#   TARGET   targets to run (default: every [[bin]] in fuzz/Cargo.toml)
#
# Uses the stable toolchain with RUSTC_BOOTSTRAP=1 (cargo-fuzz needs nightly flags).
# Corpora live in fuzz/corpus/<target>/ (seeded from the test fixtures), crashes in
# fuzz/artifacts/<target>/; both are git-ignored.
set -euo pipefail

fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$fuzz_dir")"
cd "$fuzz_dir"

seconds="${1:-600}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [SECONDS] [TARGET...]" >&2
  exit 2
fi

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(awk '
    /^\[\[bin\]\]/ { in_bin = 1; next }
    /^\[/ { in_bin = 0 }
    in_bin && /^name *=/ { gsub(/.*= *"|".*/, ""); print }
  ' Cargo.toml)
fi
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "no fuzz targets found in $fuzz_dir/Cargo.toml" >&2
  exit 1
fi

cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz

export RUSTC_BOOTSTRAP=1
for target in "${targets[@]}"; do
  corpus="$fuzz_dir/corpus/$target"
  mkdir -p "$corpus"
  # Seed with the sample files the target reads (token files for `token`, Apple's JSON
  # responses for the others); names are content hashes, so re-seeding is a no-op.
  case "$target" in
    token) seeds=("$root"/tests/fixtures/*.vpptoken "$root"/examples/data/sample.vpptoken) ;;
    *) seeds=("$root"/tests/fixtures/*.json) ;;
  esac
  for seed in "${seeds[@]}"; do
    [[ -f "$seed" ]] || continue
    cp "$seed" "$corpus/seed-$(sha1sum "$seed" | cut -c1-16)"
  done
  echo "==> fuzzing $target for ${seconds}s (corpus: $corpus)"
  cargo fuzz run "$target" "$corpus" -- -max_total_time="$seconds"
done
