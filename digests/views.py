"""HTML views: the manage page, the preview, and the signed unsubscribe link (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .content import build_digest, render_digest
from .forms import PreviewForm, SubscriptionForm, SubscriptionUpdateForm
from .models import Subscription
from .periods import local_today, period_for
from .tokens import subscription_for_token


def _manage_page(request: HttpRequest, form: SubscriptionForm, status: int = 200) -> HttpResponse:
    subscriptions = list(selectors.subscription_list(user=request.user))
    labels = dict((scope.key, label) for scope, label in selectors.scope_options(user=request.user))
    rows = [(s, labels.get(s.scope.key) or s.scope.key) for s in subscriptions]
    return render(request, "digests/subscription_list.html", {
        "rows": rows, "form": form, "deliveries": selectors.delivery_list(user=request.user, limit=10),
        "update_form": SubscriptionUpdateForm(),
    }, status=status)


@login_required
def subscription_list(request: HttpRequest) -> HttpResponse:
    # The role defaults appear the first time a user opens the page (idempotent; turned-off ones stay off).
    created = services.subscription_defaults_ensure(user=request.user, language=translation.get_language())
    if created:
        messages.info(request, _("We subscribed you to the digests of your role; change or turn them off below."))
    form = SubscriptionForm(user=request.user, initial={"language": translation.get_language()})
    return _manage_page(request, form)


@login_required
@require_POST
def subscription_create(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.subscription_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, _("Subscribed."))
            return redirect("digests:subscription_list")
    return _manage_page(request, form, status=400)


@login_required
@require_POST
def subscription_update(request: HttpRequest, pk: int) -> HttpResponse:
    # Only the user's own rows: anyone else's id is a 404, never a change.
    subscription = get_object_or_404(Subscription, pk=pk, user=request.user)
    form = SubscriptionUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Could not change the subscription: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("digests:subscription_list")
    try:
        services.subscription_update(subscription=subscription, active=form.cleaned_data.get("active"),
                            language=form.cleaned_data.get("language") or None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("digests:subscription_list")


@login_required
def digest_preview(request: HttpRequest) -> HttpResponse:
    """Any digest the viewer could subscribe to, as it would be mailed (?frequency=&scope=&date=&lang=).

    ?part=html or ?part=text returns that part alone."""
    form = PreviewForm(request.GET or None, user=request.user)
    context: dict = {"form": form}
    if not request.GET:
        return render(request, "digests/preview.html", context)
    if not form.is_valid():
        return render(request, "digests/preview.html", context, status=400)
    scope = form.cleaned_data["scope"]
    resolved = selectors.scope_resolve(scope=scope)
    if resolved is None or not selectors.scope_is_visible(user=request.user, scope=scope):
        raise Http404(f"no digest about {scope.key} for you")
    frequency = form.cleaned_data["frequency"]
    day = form.cleaned_data.get("date") or local_today(timezone.now(), resolved.timezone)
    language = form.cleaned_data.get("lang") or translation.get_language()
    try:
        digest = build_digest(user=request.user, scope=scope, period=period_for(frequency, day), language=language)
    except PermissionDenied:
        raise Http404(f"no digest about {scope.key} for you") from None
    rendered = render_digest(digest)
    part = request.GET.get("part")
    if part == "html":
        return HttpResponse(rendered.html, content_type="text/html; charset=utf-8")
    if part == "text":
        return HttpResponse(rendered.text, content_type="text/plain; charset=utf-8")
    context.update({"digest": digest, "rendered": rendered})
    return render(request, "digests/preview.html", context)


# RFC 8058 one-click: the mail provider POSTs "List-Unsubscribe=One-Click" to this URL without any cookie,
# so there is no CSRF token to check. The signed token in the URL is the credential, and unsubscribing
# is the only thing this view can do with it — a forged cross-site POST needs the token anyway.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = subscription_for_token(token=token)
    except signing.BadSignature:
        return render(request, "digests/unsubscribe_invalid.html", status=400)
    except Subscription.DoesNotExist:
        return render(request, "digests/unsubscribe_invalid.html", {"gone": True}, status=404)
    resolved = selectors.scope_resolve(scope=subscription.scope)
    with translation.override(subscription.language):
        context = {
            "subscription": subscription,
            "scope_label": resolved.label if resolved else subscription.scope.key,
        }
        if request.method == "POST":
            services.subscription_unsubscribe(subscription=subscription)
            if request.POST.get("List-Unsubscribe") == "One-Click":
                return HttpResponse(_("Unsubscribed."), content_type="text/plain; charset=utf-8")
            return render(request, "digests/unsubscribe_done.html", context)
        # GET never unsubscribes: link scanners and previews fetch URLs in mails.
        return render(request, "digests/unsubscribe_confirm.html", context)
