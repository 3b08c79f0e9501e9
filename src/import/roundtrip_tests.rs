//! Round trip: import(export(scenario)) equals the scenario for what the target expresses.
