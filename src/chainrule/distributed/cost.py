"""What a ring Allreduce costs: bytes per rank and a lower bound on its time."""


def allreduce_bytes_per_rank(nbytes: int, ranks: int) -> float:
    """Bytes each rank sends (and receives) in a ring Allreduce of ``nbytes``: ``2 (N-1)/N * nbytes``
    (a reduce-scatter, then an all-gather, each moving ``(N-1)/N`` of the buffer)."""
    return 0.0 if ranks <= 1 else 2.0 * (ranks - 1) / ranks * nbytes


def estimate_allreduce_seconds(nbytes: int, ranks: int, bandwidth_gbit: float, latency_s: float = 0.0) -> float:
    """Lower bound on one ring Allreduce: bytes sent per rank over the link speed (``bandwidth_gbit`` in
    Gbit/s) plus ``2 (N-1)`` message latencies."""
    if ranks <= 1:
        return 0.0
    return allreduce_bytes_per_rank(nbytes, ranks) * 8 / (bandwidth_gbit * 1e9) + 2 * (ranks - 1) * latency_s
