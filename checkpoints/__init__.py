"""The shipped pretrained encoders (``SPACE.pt`` weights and ``SPACE.json`` manifests), installed as
``latentnas.checkpoints`` and read with :mod:`importlib.resources`."""
