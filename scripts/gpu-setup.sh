#!/usr/bin/env bash
# Sourced on the GPU machine from the project root (as .gpu/setup.sh, copied there by gpu-prepare.sh):
# unpacks the Vulkan loader, puts node on PATH and node_modules/webgpu (with Dawn) where import() finds it.
for f in .gpu/debs/*.deb; do dpkg -x "$f" /; done; ldconfig
bin=$(mktemp -d) && xz -dc .gpu/node.xz > "$bin/node" && chmod +x "$bin/node"
export PATH=$bin:$PATH
mkdir -p node_modules/webgpu/dist/linux-x64
cp .gpu/webgpu/package.json .gpu/webgpu/index.js node_modules/webgpu/
xz -dc .gpu/webgpu/dawn.node.xz > node_modules/webgpu/dist/linux-x64/dawn.node
# Containers often mount the NVIDIA Vulkan ICD here rather than under /usr/share.
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
node --version
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
