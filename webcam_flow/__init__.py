"""webcam_flow package."""
