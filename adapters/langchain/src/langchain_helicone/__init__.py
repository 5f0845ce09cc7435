"""LangChain chat model for the Helicone AI Gateway (the adapter is built in issue 5)."""
