#!/usr/bin/env bash
# Installs the system libraries Custos links against (LMDB, xxHash) when they are missing.
# Used by `make run`, `make test` and CI; safe to run again.
set -euo pipefail

packages=(liblmdb-dev libxxhash-dev pkg-config)
# Extra packages may be asked for by name (the benchmarks' C reference needs libssl-dev).
extra=("$@")

# The offline-verification tests check Ed25519 with Python's `cryptography`, as an auditor would.
python_ready() {
    python3 -c 'import cryptography' >/dev/null 2>&1
}
if command -v python3 >/dev/null 2>&1 && ! python_ready; then
    python3 -m pip install --quiet cryptography >/dev/null 2>&1 || echo "custos: could not install Python's cryptography package; the offline-verification test will fail" >&2
fi
# The OpenLineage end-to-end test emits with the official Python client.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import openlineage.client' >/dev/null 2>&1; then
    python3 -m pip install --quiet openlineage-python >/dev/null 2>&1 || echo "custos: could not install openlineage-python; the OpenLineage end-to-end test will fail" >&2
fi

# The evidence tests validate OSCAL 1.1 documents with compliance-trestle 3.x (4.x and later
# read OSCAL 1.2 only).
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import trestle, sys; sys.exit(0 if trestle.__version__.startswith("3.") else 1)' >/dev/null 2>&1; then
    python3 -m pip install --quiet "compliance-trestle>=3.9,<4" >/dev/null 2>&1 || echo "custos: could not install compliance-trestle; the OSCAL validation test will fail" >&2
fi

libraries_found() {
    command -v pkg-config >/dev/null 2>&1 && pkg-config --exists lmdb libxxhash
}
# Packages asked for by name are installed every time (apt-get skips those present).
have_all() {
    libraries_found && [ ${#extra[@]} -eq 0 ]
}
packages+=("${extra[@]}")

if have_all; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "custos: LMDB and xxHash development files are missing, and this system has no apt-get." >&2
    echo "Install them with your package manager (Debian/Ubuntu: ${packages[*]}; Homebrew: lmdb xxhash pkg-config), then retry." >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "custos: ${packages[*]} are missing and installing them needs root." >&2
    echo "Run: sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
    exit 1
fi

echo "custos: installing ${packages[*]} with apt-get..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get update -qq >/dev/null || ! "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null; then
    echo "custos: apt-get could not install ${packages[*]}; check the network and the apt sources, then retry." >&2
    exit 1
fi
libraries_found || { echo "custos: the packages installed, but pkg-config still cannot find lmdb and libxxhash." >&2; exit 1; }
