"""W-rank strategies over torch.distributed: counted collectives, the strategies, process launch."""
