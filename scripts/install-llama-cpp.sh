#!/usr/bin/env bash
# Build llama-cpp-python once per machine into a wheel cache, then install it into the given venv.
#
# Why not a plain `pip install llama-cpp-python`: PyPI has only the source, and its default build targets the
# build machine's every instruction set. On CPUs that report AMX (recent Xeons, common in VMs) that build
# crashes with SIGSEGV in ggml's AMX kernels on the first token. We name the instruction sets ourselves instead:
# AVX2/FMA/F16C (any x86-64 CPU since ~2015) plus the AVX-512 extensions this CPU has (1.6x faster prompt
# reading here), never AMX. The wheel is cached under $ECHOLLAMA_HOME/wheels/<flags hash>/, so later venvs on
# the same machine install it in seconds.
# usage: scripts/install-llama-cpp.sh VENV_PIP
set -euo pipefail
pip_bin=${1:?usage: $0 path/to/venv/bin/pip}
version=0.3.36
case "$(uname -m)" in
  x86_64)
    cmake_args="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
    cpu_flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
    has() { [[ " $cpu_flags " == *" $1 "* ]]; }
    if has avx512f && has avx512bw && has avx512vl && has avx512dq; then
      cmake_args="$cmake_args -DGGML_AVX512=ON"
      has avx512vbmi && cmake_args="$cmake_args -DGGML_AVX512_VBMI=ON"
      has avx512_vnni && cmake_args="$cmake_args -DGGML_AVX512_VNNI=ON"
      has avx512_bf16 && cmake_args="$cmake_args -DGGML_AVX512_BF16=ON"
    else
      cmake_args="$cmake_args -DGGML_AVX512=OFF"
    fi ;;
  *) cmake_args="-DGGML_NATIVE=ON" ;;
esac
home=${ECHOLLAMA_HOME:-$HOME/.cache/echollama}
flags_hash=$(printf '%s %s %s' "$version" "$cmake_args" "$(uname -m)" | sha256sum | cut -c1-12)
wheels="$home/wheels/llama-cpp-python-$flags_hash"
if ! ls "$wheels"/llama_cpp_python-"$version"-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $version from source (about 5 minutes, once per machine) ..." >&2
  mkdir -p "$wheels.tmp"
  CMAKE_ARGS="$cmake_args" "$pip_bin" wheel --no-deps --no-cache-dir -w "$wheels.tmp" "llama-cpp-python==$version"
  rm -rf "$wheels" && mv "$wheels.tmp" "$wheels"
fi
"$pip_bin" install --find-links "$wheels" "llama-cpp-python==$version"
