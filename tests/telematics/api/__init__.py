"""Tests of the vehicle-file API."""
