"""Model files: the GGUF catalogue and its assembly from wheels, the hub catalogue and pull, torch placement."""
