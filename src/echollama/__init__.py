"""echollama: a photo becomes a spoken, spatially grounded description you can talk to.

A reimplementation of the EchoLLaMA paper that runs offline on a CPU (`embedded` profile) or with the paper's models.
"""

__version__ = "0.1.0"
