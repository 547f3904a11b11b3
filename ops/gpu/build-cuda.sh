#!/usr/bin/env bash
# Builds llama.cpp v0.5.0 (the release node-llama-cpp 3.22.1 ships) with its CUDA backend for one GPU
# architecture, plus llama-batched-bench and llama-bench as baselines, and copies the shared libraries and the
# tools into OUT. The npm CUDA set is built against CUDA 13.1 (SASS for sm_86/89/120 + PTX 9.1); a driver for an
# older CUDA, or another architecture such as the H100/H200's sm_90, needs this build instead:
#   parley worker --gpu cuda --llama-lib-dir OUT ...
#
# usage: ops/gpu/build-cuda.sh [--bundle FILE | --source DIR | --tarball FILE] [--out DIR] [--arch 90] [--jobs N]
#                              [--server]
#   --bundle   node-llama-cpp@3.22.1's llama/gitRelease.bundle (a git bundle of the release)
#   --source   an unpacked llama.cpp tree of that release
#   --tarball  a tar(.xz|.gz) of such a tree
#   default    fetches node-llama-cpp@3.22.1 from the npm registry (curl) and uses its bundle
#   --server   also llama-server (without its web UI), the baseline of returning-turn time to first token
# Needs: nvcc (CUDA 12 or 13) with cuBLAS, CMake >= 3.18, a C++17 compiler, ninja or make. Nothing is committed:
# the build folder and OUT are yours.
set -euo pipefail

ARCH=90
OUT="$PWD/llama-cuda"
JOBS="$(nproc)"
SRC=""
BUNDLE=""
TARBALL=""
SERVER=OFF
TARGETS=(llama ggml llama-batched-bench llama-bench)
REGISTRY="${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bundle) BUNDLE="$2"; shift 2 ;;
    --source) SRC="$2"; shift 2 ;;
    --tarball) TARBALL="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --arch) ARCH="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --server) SERVER=ON; TARGETS+=(llama-server); shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "build-cuda.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

WORK="${BUILD_DIR:-$PWD/.llama-cuda-build}"
mkdir -p "$WORK"
if [[ -z "$SRC" ]]; then
  SRC="$WORK/src"
  if [[ ! -f "$SRC/CMakeLists.txt" ]]; then
    rm -rf "$SRC"
    if [[ -n "$TARBALL" ]]; then
      mkdir -p "$SRC" && tar -xf "$TARBALL" -C "$SRC"
    else
      if [[ -z "$BUNDLE" ]]; then
        echo "Fetching node-llama-cpp@3.22.1 from $REGISTRY for its llama.cpp source bundle" >&2
        curl -fsSL "$REGISTRY/node-llama-cpp/-/node-llama-cpp-3.22.1.tgz" -o "$WORK/node-llama-cpp.tgz"
        echo "a0d9dd80eacd2ab1cfe71aee57ac8a806487fd70b3d2a38fbec637752d9e5c5f  $WORK/node-llama-cpp.tgz" | sha256sum -c - >&2
        tar -xzf "$WORK/node-llama-cpp.tgz" -C "$WORK" package/llama/gitRelease.bundle
        BUNDLE="$WORK/package/llama/gitRelease.bundle"
      fi
      git clone -q "$BUNDLE" "$SRC"
    fi
  fi
fi
grep -q 'LLAMA_VERSION_MINOR 5)' "$SRC/CMakeLists.txt" || { echo "$SRC is not llama.cpp v0.5.0" >&2; exit 1; }

command -v nvcc >/dev/null || export PATH="/usr/local/cuda/bin:$PATH"
echo "nvcc: $(nvcc --version | tail -1); building for sm_$ARCH with $JOBS jobs" >&2
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
cmake -S "$SRC" -B "$WORK/build" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=ON -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$ARCH" -DGGML_NATIVE=ON \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER="$SERVER" -DLLAMA_BUILD_TOOLS=ON \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF >"$WORK/cmake.log" 2>&1 || { tail -40 "$WORK/cmake.log" >&2; exit 1; }
cmake --build "$WORK/build" -j "$JOBS" --target "${TARGETS[@]}"

mkdir -p "$OUT"
find "$WORK/build/bin" "$WORK/build" -maxdepth 3 \( -name 'lib*.so' -o -name 'lib*.so.*' \) -exec cp -a {} "$OUT/" \; 2>/dev/null
cp -a "$WORK/build/bin/llama-batched-bench" "$WORK/build/bin/llama-bench" "$OUT/"
[[ "$SERVER" == ON ]] && cp -a "$WORK/build/bin/llama-server" "$OUT/"
echo "llama.cpp with CUDA for sm_$ARCH in $OUT:" >&2
ls -la "$OUT" >&2
