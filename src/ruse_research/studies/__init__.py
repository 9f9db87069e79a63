"""One module per study: the pipeline the notebook, the tests and the benches all call."""
