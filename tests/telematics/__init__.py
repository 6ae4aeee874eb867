"""Tests of vehicle files, duty calendars and trips."""
