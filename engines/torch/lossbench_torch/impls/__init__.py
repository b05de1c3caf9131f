"""Loss implementations as a dimension of the sweep: lossbench's own (naive, chunked), the third-party ones
people train with (openclip, infcl, infcl-ring, siglip-kernel, memeff) and a user's own (py:<module>:<factory>),
all behind one contract (contract.py; docs/implementations.md)."""
