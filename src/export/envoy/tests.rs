//! Envoy exporter tests.
