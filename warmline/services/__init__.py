"""The domain layer: plain functions that hold the rules. HTTP views, socket handlers, the
CLI and the tests all call these; none of them touches request or socket state."""
