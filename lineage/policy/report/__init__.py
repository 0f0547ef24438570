"""Findings rendered as data: JSON, SARIF 2.1.0 and Markdown (the text table is the CLI's)."""
