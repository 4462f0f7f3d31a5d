"""Perception: image -> detections with positions and distances, a caption, and the paper's object matrix."""
