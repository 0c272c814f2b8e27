"""The stages of ``qnas run``, one module each; every stage takes explicit inputs and returns
a JSON record (see :func:`qnas.pipeline.run.run_pipeline` for their order)."""
