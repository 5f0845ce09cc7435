"""``shared_openai_client``: one SDK client per settings for model objects, replaced once closed."""

from __future__ import annotations

import gc
import weakref

import pytest

from helicone_core import HeliconeConfig, build_headers, capture_info
from helicone_core.testing import LocalGateway
from helicone_openai.clients import (
    AsyncHeliconeOpenAI,
    HeliconeOpenAI,
    shared_async_openai_client,
    shared_openai_client,
)


def config(gateway: LocalGateway, **options: object) -> HeliconeConfig:
    return HeliconeConfig(api_key=gateway.api_key, api_base=gateway.url, **options)  # type: ignore[arg-type]


def test_equal_settings_share_one_client_and_any_difference_gets_its_own(
    helicone_gateway: LocalGateway,
) -> None:
    first = config(helicone_gateway, user_id="u")
    client = shared_openai_client(first, build_headers(first))
    same = config(helicone_gateway, user_id="u")
    assert shared_openai_client(same, build_headers(same)) is client
    assert isinstance(client, HeliconeOpenAI)
    for different in (
        config(helicone_gateway, user_id="v"),  # other headers
        config(helicone_gateway, user_id="u", timeout=3),
        config(helicone_gateway, user_id="u", max_retries=0),
        HeliconeConfig(api_key="sk-helicone-other", api_base=helicone_gateway.url, user_id="u"),
    ):
        assert shared_openai_client(different, build_headers(different)) is not client
    asynchronous = shared_async_openai_client(first, build_headers(first))
    assert isinstance(asynchronous, AsyncHeliconeOpenAI)
    assert shared_async_openai_client(same, build_headers(same)) is asynchronous


def test_a_closed_client_is_replaced_and_an_unused_one_is_not_kept(
    helicone_gateway: LocalGateway,
) -> None:
    settings = config(helicone_gateway, user_id="closing")
    client = shared_openai_client(settings, build_headers(settings))
    client.close()
    fresh = shared_openai_client(settings, build_headers(settings))
    assert fresh is not client
    with capture_info() as captured:
        fresh.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    assert captured.last is not None
    assert captured.last.request_id == helicone_gateway.requests[-1].helicone_id

    held = weakref.ref(fresh)
    del client, fresh
    gc.collect()
    assert held() is None  # the registry holds clients weakly: unused ones are not kept


@pytest.mark.parametrize("mode", ["gateway", "proxy"])
def test_the_keys_are_part_of_what_is_shared(helicone_gateway: LocalGateway, mode: str) -> None:
    def build(key: str) -> HeliconeOpenAI:
        if mode == "proxy":  # same Helicone key, different provider keys
            settings = config(helicone_gateway, mode="proxy", provider_api_key=key)
        else:
            settings = HeliconeConfig(api_key=key, api_base=helicone_gateway.url)
        return shared_openai_client(settings, build_headers(settings))

    assert build("sk-key-a") is not build("sk-key-b")
    assert build("sk-key-a") is build("sk-key-a")
