"""The rank launcher: a rank that fails is named, with its own reason, not its peers' broken connections."""
from __future__ import annotations

import unittest

import support  # noqa: F401
import torch

from lossbench_torch.distributed.comm import Comm
from lossbench_torch.distributed.launch import launch


def fail_on_rank_1(comm: Comm) -> int:
    if comm.rank == 1:
        raise MemoryError("simulated: out of memory on rank 1")
    comm.all_gather(torch.ones(4), "fwd")  # rank 0 waits here until its peer is gone
    return comm.rank


class Launch(unittest.TestCase):
    def test_failed_rank_is_named_and_classified(self) -> None:
        out = launch(fail_on_rank_1, (), 2, "cpu", timeout_s=60, dist_timeout_s=30)
        assert out.failure is not None
        self.assertEqual(out.failure.rank, 1)
        self.assertEqual(out.failure.status, "oom")
        self.assertIn("rank 1: MemoryError: simulated", out.failure.reason)
        self.assertEqual(out.results, [])


if __name__ == "__main__":
    unittest.main()
