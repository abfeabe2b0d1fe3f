"""The demo enterprise: a deterministic heat-and-water supplier of the Lensk district with 36 months of ledger.

`casework demo` builds it (see `generator.build_demo`); other areas add their parts through
`generator.DEMO_EXTENSIONS` (functions `extend_demo(rng, today)`).
"""
