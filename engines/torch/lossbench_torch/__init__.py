"""lossbench's PyTorch engine: contrastive-loss steps (CLIP, SigLIP; naive, chunked; one or W devices)
served to the TypeScript harness as a worker process (see README.md and worker.py)."""

PROTOCOL = 1
