#!/usr/bin/env bash
# capas developer entry point.
#   ./dev.sh start [ARGS…]   install what is missing, build, and start capas
#   ./dev.sh test            install what is missing and run the whole test suite
#   ./dev.sh deps            only install the system packages
set -euo pipefail
cd "$(dirname "$0")"

packages=(libopenblas-dev libedit-dev zlib1g-dev libzmq3-dev pkg-config dataset-fashion-mnist bubblewrap)

install_deps() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

command -v swift >/dev/null || { echo "capas needs Swift 6 (https://www.swift.org/install/linux/)" >&2; exit 1; }

case "${1:-start}" in
    deps) install_deps ;;
    start)
        shift || true
        install_deps
        swift build -c release --product capas
        exec .build/release/capas "$@"
        ;;
    test)
        install_deps
        # OpenBLAS must not spin worker threads against capas' own.
        export OPENBLAS_NUM_THREADS=1
        swift build --build-tests
        swift test --skip-build
        ;;
    *) echo "usage: ./dev.sh start [ARGS…] | test | deps" >&2; exit 2 ;;
esac
