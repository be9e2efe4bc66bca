"""Real local stand-ins for the services the product talks to (servers on 127.0.0.1)."""
