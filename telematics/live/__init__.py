"""The live fleet map, its alerts panel and track replay: pages, the server-sent event stream, their reads."""
