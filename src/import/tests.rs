//! Unit tests of the importers.
