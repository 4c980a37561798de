#!/bin/sh
# Writes configmap-routes.yaml from a routes/ folder (default: the repository's or the distribution's routes/),
# as `kubectl create configmap syncrunner-routes --from-file=routes/` would, with no kubectl needed.
# Run it after changing a route file; DeployFilesTest fails while the ConfigMap and routes/ differ.
set -e
here=$(cd "$(dirname "$0")" && pwd)
routes=${1:-$here/../../routes}
out=${2:-$here/configmap-routes.yaml}
{
  sed -n '1,5p' "$out" 2>/dev/null | grep '^#' || true
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: syncrunner-routes\n  labels:\n    app.kubernetes.io/name: syncrunner\ndata:\n'
  for f in "$routes"/*.yaml; do
    printf '  %s: |\n' "$(basename "$f")"
    sed 's/^/    /; s/^    $//' "$f"
  done
} > "$out.tmp"
mv "$out.tmp" "$out"
