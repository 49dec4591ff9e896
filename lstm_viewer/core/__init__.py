"""The core layer: numpy, h5py and Pillow only (no Qt, no TensorFlow).

The network and its trace, the direct ``.keras`` reader and the one architecture check,
preprocessing, image and data files, atomic writes, and the shipped assets. Usable from a notebook.
"""
