"""Pure matchers for what a manifest's expectations can say beyond exact values: status sets, header rules,
body contents, JSON by meaning, framing. No sockets, no files: each takes parsed values and says how they
differ from what was wanted."""
