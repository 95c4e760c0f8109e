#!/bin/sh
# Build the geoparser's compiled core (riskmap_geocore) into a virtualenv when a working Rust
# toolchain can; otherwise say so in one line and leave the Python reference geoparser in charge
# (same mentions, slower). Never needs root, never calls a system package manager.
#
# usage: geodata/core/build.sh PYTHON STAMP
#        geodata/core/build.sh --cargo-config    (only write or remove .cargo/config.toml, for
#                                                 the Dockerfile, which builds a wheel itself)
#   PYTHON  the virtualenv's python (the core is pip-installed into it)
#   STAMP   touched when this source was dealt with (built, or the build failed), so make does
#           not retry on every run; `make core` retries. Not touched when there is no toolchain,
#           so the build happens by itself once cargo is installed.
#
# Crates: when Debian's PyO3 0.17 is installed (librust-pyo3-dev), cargo reads Debian's crate
# directory offline through .cargo/config.toml, written here and only then; otherwise cargo
# resolves crates the normal way (a registry or its own cache).
set -u

core_dir=$(cd "$(dirname "$0")" && pwd)
debian_crates=${RISKMAP_DEBIAN_CRATES:-/usr/share/cargo/registry}

cargo_config() {
    config="$core_dir/.cargo/config.toml"
    if ls -d "$debian_crates"/pyo3-0.17.* >/dev/null 2>&1; then
        crates="Debian's crates in $debian_crates"
        mkdir -p "$core_dir/.cargo"
        cat >"$config" <<EOF
# Written by geodata/core/build.sh because Debian's PyO3 crates are installed: cargo reads them
# offline from Debian's directory. Not in git; removed again where that directory is absent.
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "$debian_crates"

[net]
offline = true
EOF
    else
        crates="crates resolved by cargo"
        rm -f "$config"
    fi
}

if [ "${1:-}" = "--cargo-config" ]; then
    cargo_config
    exit 0
fi

python=$1
stamp=$2
log="$(dirname "$stamp")/core-build.log"

python_reference() {
    # A core built from older sources would disagree with the Python reference: remove it.
    "$python" -m pip uninstall --yes --quiet riskmap-geocore >/dev/null 2>&1
    echo "core: $1; the Python reference geoparser will run (same mentions, slower). For the compiled core install cargo (rustup, or apt-get install cargo librust-pyo3-dev) and run make core."
}

if ! command -v cargo >/dev/null 2>&1; then
    python_reference "no cargo on PATH"
    exit 0
fi
# Being on PATH is not enough: a rustup shim with no default toolchain is there but fails.
if ! version=$(cargo --version 2>/dev/null); then
    python_reference "cargo on PATH does not run (\`cargo --version\` failed; rustup with no default toolchain?)"
    exit 0
fi

cargo_config
echo "core: building riskmap_geocore with $version and $crates (about a minute; log in $log) …"
started=$(date +%s)
if "$python" -m pip install --quiet "$core_dir" >"$log" 2>&1; then
    echo "core: built and installed in $(($(date +%s) - started)) s"
else
    python_reference "the build failed after $(($(date +%s) - started)) s (see $log)"
fi
touch "$stamp"
