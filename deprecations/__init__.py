"""The catalogue of retirements and how it is collected. Knows nothing of subscribers."""
