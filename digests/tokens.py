"""The signed one-click unsubscribe link (django.core.signing, a salt of its own).

The token names the subscription and its user, so it cannot be replayed against another row; it has no
expiry — a link in a mail from last year must still unsubscribe (RFC 8058 asks for that). Forging one
needs SECRET_KEY.
"""

from __future__ import annotations

from django.core import signing

from .models import Subscription

UNSUBSCRIBE_SALT = "digests.unsubscribe.v1"


def unsubscribe_token(*, subscription: Subscription) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"s": subscription.pk, "u": subscription.user_id})


def subscription_for_token(*, token: str) -> Subscription:
    """The subscription a token names. BadSignature for a token we did not sign (or that was altered);
    Subscription.DoesNotExist when the subscription was deleted since."""
    data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("u"), int):
        raise signing.BadSignature("unsubscribe token: unexpected payload")
    return Subscription.objects.select_related("user", "region", "dealer").get(pk=data["s"], user_id=data["u"])
