"""Helicone AI Gateway clients for the OpenAI SDK (the adapter is built in issue 3)."""
