"""The telematics app."""
