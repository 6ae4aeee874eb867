"""Management commands of the project as a whole (`qm serve`, `qm demo`)."""
