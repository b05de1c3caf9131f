"""The multi-node rendezvous of a job: parsing, the ranks of each node, the interface towards node 0."""
from __future__ import annotations

import unittest

import support  # noqa: F401

from lossbench_torch.distributed.rendezvous import interface_towards, parse_rendezvous
from lossbench_torch.spec import SpecError, parse_job

RDZV = {"nnodes": 2, "nodeRank": 1, "masterAddr": "127.0.0.1", "masterPort": 29500, "order": 3,
        "arriveTimeoutMs": 5000}
SPEC = {"loss": "siglip", "impl": "chunked", "strategy": "ring", "n": 64, "world": 4, "localBatch": 16, "dim": 8,
        "chunk": 4}


class Rendezvous(unittest.TestCase):
    def test_parsed_with_the_ranks_of_each_node(self) -> None:
        r = parse_rendezvous(RDZV, "siglip/chunked/ring/N64/W4/D8/c4")
        assert r is not None
        self.assertEqual(list(r.local_ranks(4)), [2, 3])
        self.assertEqual(r.ranks_of(0, 4), "ranks 0–1")
        self.assertEqual(r.ranks_of(1, 2), "rank 1")
        self.assertEqual(r.tag, "3 siglip/chunked/ring/N64/W4/D8/c4")
        self.assertEqual(r.arrive_s, 5.0)
        self.assertIsNone(parse_rendezvous(None, "x"))

    def test_a_bad_field_is_named(self) -> None:
        for field, value, message in [("nodeRank", 2, "not below nnodes"), ("masterAddr", "", "masterAddr"),
                                      ("masterPort", 70000, "port"), ("order", -2, "order")]:
            with self.assertRaisesRegex(ValueError, message):
                parse_rendezvous({**RDZV, field: value}, "x")

    def test_the_job_carries_it_and_a_one_device_one_to_host_its_tag(self) -> None:
        job = parse_job({"protocol": 1, "engine": "torch", "spec": SPEC, "rendezvous": RDZV})
        self.assertEqual(job.rendezvous.node_rank if job.rendezvous else None, 1)
        single = {**SPEC, "strategy": "single", "n": 16, "world": 1}
        one = parse_job({"protocol": 1, "spec": single, "rendezvous": {**RDZV, "nodeRank": 0}}).rendezvous
        self.assertEqual((one.node_rank, one.tag) if one else None, (0, "3 siglip/chunked/single/N16/W1/D8/c4"))
        with self.assertRaisesRegex(SpecError, "W = 6 is not a multiple of the 4 nodes"):
            parse_job({"protocol": 1, "spec": {**SPEC, "n": 96, "world": 6},
                       "rendezvous": {**RDZV, "nnodes": 4}})

    def test_the_interface_towards_loopback_is_lo(self) -> None:
        self.assertEqual(interface_towards("127.0.0.1"), "lo")


if __name__ == "__main__":
    unittest.main()
