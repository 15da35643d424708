#!/usr/bin/env bash
# Installs Debian's podman (and runc) for the container image test (crates/cli/tests/deploy.rs)
# when they are missing: as root with apt-get; otherwise says it cannot and exits 0 (the test
# then checks the image's staged root filesystem only). Prints nothing when both are there.
# runc beside podman's default crun: crun 1.8 refuses a host with cgroups v1 and v2 mounted
# together ("cgroups in hybrid mode not supported"), as on our CI machines; runc runs there.
set -euo pipefail

if command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "podman: cannot install podman and runc (needs root and apt-get); the image test will check the staged root filesystem only" >&2
  exit 0
fi
echo "podman: installing podman and runc (apt-get install podman runc)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y podman runc >/dev/null; then
  apt-get update >/dev/null && apt-get install -y podman runc >/dev/null || {
    echo "podman: apt-get could not install podman and runc; the image test will check the staged root filesystem only" >&2
    exit 0
  }
fi
