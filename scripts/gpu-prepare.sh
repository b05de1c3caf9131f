#!/usr/bin/env bash
# Packs what a bare GPU machine lacks into .gpu/ (ignored by git), to carry beside the bundle
# (npm run build:gpu → dist/lossbench.cjs): the Node.js binary, the Vulkan/EGL loader libraries (Dawn
# reaches the NVIDIA driver through Vulkan) and the `webgpu` package with its Dawn binary for linux-x64.
# Run from the project root after `npm ci`, on a Debian/Ubuntu machine with apt.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
rm -rf .gpu && mkdir -p .gpu/debs .gpu/webgpu
xz -T2 -6 -c "$(command -v node)" > .gpu/node.xz
pkg=node_modules/webgpu
[ -f "$pkg/dist/linux-x64/dawn.node" ] || { echo "gpu-prepare: $pkg/dist/linux-x64/dawn.node missing: run npm ci first" >&2; exit 1; }
cp "$pkg/package.json" "$pkg/index.js" .gpu/webgpu/
xz -T2 -6 -c "$pkg/dist/linux-x64/dawn.node" > .gpu/webgpu/dawn.node.xz
# A private apt list folder, so that the download neither needs nor changes the system's lists.
lists=$(mktemp -d); mkdir -p "$lists/partial"
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
apt-get "${apt_opts[@]}" update >/dev/null
(cd .gpu/debs && apt-get "${apt_opts[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
cp scripts/gpu-setup.sh .gpu/setup.sh
du -sh .gpu
echo "carry .gpu/ and dist/ to the GPU machine; start the command there with: source .gpu/setup.sh"
