"""helicone_httpx_adapter: an example third-party Helicone adapter.

It registers an adapter named ``httpx`` through the ``helicone`` entry point (see
:mod:`helicone_httpx_adapter.plugin`); :mod:`helicone_httpx_adapter.chat` sends the chat
completions with plain httpx, through helicone-core's shared transport.
"""

__version__ = "0.1.0"
