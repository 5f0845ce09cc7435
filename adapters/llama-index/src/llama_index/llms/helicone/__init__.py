"""LlamaIndex LLM for the Helicone AI Gateway (the adapter is built in issue 4)."""
