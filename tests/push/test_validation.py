"""The endpoint and key rules, without HTTP."""

from __future__ import annotations

import pytest

from roost.kernel.errors import ValidationFailed
from roost.push.validation import check_endpoint, check_keys
from tests.push.pushservice import SubscriberKeys


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:9000/push",
        "https://127.0.0.1/push",
        "https://localhost/push",
        "http://[::1]:9000/push",
        "https://192.168.1.10/push",
        "https://printer.local/push",
    ],
)
def test_loopback_and_private_endpoints_need_the_setting(endpoint: str) -> None:
    with pytest.raises(ValidationFailed):
        check_endpoint(endpoint, allow_loopback=False)


def test_loopback_allowed_by_the_setting_only() -> None:
    assert check_endpoint("http://127.0.0.1:9/p", allow_loopback=True) == "http://127.0.0.1:9/p"
    with pytest.raises(ValidationFailed):
        check_endpoint("http://push.example.net/p", allow_loopback=True)
    with pytest.raises(ValidationFailed):
        check_endpoint("https://10.0.0.1/p", allow_loopback=True)


def test_public_https_endpoints_pass() -> None:
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/abc:def",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAA?x=1",
        "https://203.0.113.7:8443/p",
    ):
        # 203.0.113.0/24 is documentation space, not global: refused.
        if "203.0.113" in endpoint:
            with pytest.raises(ValidationFailed):
                check_endpoint(endpoint, allow_loopback=False)
        else:
            assert check_endpoint(endpoint, allow_loopback=False) == endpoint


def test_keys_are_re_encoded_url_safe() -> None:
    keys = SubscriberKeys.generate()
    checked = check_keys(keys.p256dh, keys.auth_b64)
    assert "=" not in checked.p256dh and "+" not in checked.p256dh and "/" not in checked.p256dh
    assert check_keys(checked.p256dh, checked.auth) == checked
    with pytest.raises(ValidationFailed):
        check_keys(keys.p256dh, "AAAA")
    with pytest.raises(ValidationFailed):
        check_keys("A" * 300, keys.auth_b64)
