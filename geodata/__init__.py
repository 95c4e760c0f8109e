"""Pure geodata for riskmap: boundaries, borders, gazetteer, geocoding, incidents and scoring.

Nothing in this package knows about HTTP, databases or the command line; it takes data in
and gives data out, so every piece can be tested and benchmarked on its own.
"""
