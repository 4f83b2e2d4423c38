"""Partner API key authentication and permission (kept apart from config.api: DRF imports
the authentication class early)."""

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions, permissions


class PartnerApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key <key>``: ``request.auth`` is the partner's key.

    No header means an anonymous caller (allowed to read, at a lower rate); a header
    with an unknown, revoked or expired key is a 401, never a silent downgrade, and a 429
    once the caller's address has sent too many of them (:func:`refuse_bad_key`).
    """

    keyword = "Api-Key"

    def authenticate(self, request):
        from rest_framework_api_key.permissions import KeyParser

        from config.throttling import PartnerKeyThrottle

        from .keys import GENERATION_CACHE_KEY, usable_api_key

        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.lower().startswith(self.keyword.lower() + " "):
            return None
        key = KeyParser().get_from_authorization(request) or ""
        prefix = key.partition(".")[0]

        def count_and_read_generation():
            # The key's throttle counts this request in the round trip that checks the
            # key is still current (PartnerKeyThrottle then uses that count).
            return PartnerKeyThrottle().count_and_read(request, prefix, GENERATION_CACHE_KEY)

        api_key = usable_api_key(key, read_generation=count_and_read_generation)
        if api_key is None:
            refuse_bad_key(request)
        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        return self.keyword


def refuse_bad_key(request):
    """A 401, or a 429 once the client's address has sent too many unusable keys.

    DRF checks its throttles only after authentication has succeeded, so without this a
    caller sending bad keys would never be throttled at all. Only refused keys count: a
    partner with a good key behind the same address (a hospital's NAT) keeps working.
    """
    from config.throttling import BadKeyThrottle

    throttle = BadKeyThrottle()
    if not throttle.allow_request(request, None):
        raise exceptions.Throttled(throttle.wait())
    raise exceptions.AuthenticationFailed("Invalid or revoked API key.")


class HasPartnerKey(permissions.BasePermission):
    """Only callers with a valid partner API key (401 without one)."""

    def has_permission(self, request, view) -> bool:
        return getattr(request.auth, "partner", None) is not None
