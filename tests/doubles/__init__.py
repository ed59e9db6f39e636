"""Local stand-ins for the platforms: they speak HTTP on 127.0.0.1 and check what the bot sends."""
