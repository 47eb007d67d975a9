"""`make bench`: the live room against a bare Socket.IO relay (run with `python -m bench.run`)."""
