"""The uniforms app."""
