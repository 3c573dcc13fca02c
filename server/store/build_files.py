"""The names of a build's files, which the pipeline writes and the stores read."""

DATASET_FILE = "dataset.nq"
MANIFEST_FILE = "manifest.json"
