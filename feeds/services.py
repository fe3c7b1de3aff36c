from django.db import transaction

from .models import FeedToken, new_secret


@transaction.atomic
def feed_token_for(*, user) -> FeedToken:
    """The user's feed token, made on first need."""
    token, _created = FeedToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def feed_token_reset(*, user) -> FeedToken:
    """A new secret: the old address stops working at once."""
    token = feed_token_for(user=user)
    token.secret = new_secret()
    token.save(update_fields=["secret"])
    return token
