"""The site's URLs: where each feature's pages, the API and the admin are mounted."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from paperdaily import media, views
from paperdaily.lib.ratelimits import login_wait, too_many_requests

admin.site.site_header = "PaperDaily"
admin.site.site_title = _("PaperDaily back office")
admin.site.index_title = _("Editors' back office")
# Lists such as the review queue need the width more than a second copy of the app menu.
admin.site.enable_nav_sidebar = False

_admin_login = admin.site.login


def admin_login(request, extra_context=None):
    """The admin's log-in, spending the same budget of password guesses as the site's."""
    if wait := login_wait(request):
        context = {**admin.site.each_context(request), "title": _("Slow down")}
        return too_many_requests(request, wait=wait, template="admin/429.html", context=context)
    return _admin_login(request, extra_context)


# Before admin.site.urls is read below: the admin routes login/ to this attribute.
admin.site.login = admin_login

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("paperdaily.api_urls")),
    path("accounts/", include("recommendations.accounts.urls")),
    path("account/", include("recommendations.privacy.urls")),
    # Figures are uploads: served by Django with DEBUG on or off (see paperdaily/media.py).
    re_path(r"^media/(?P<path>figures/.+)$", media.serve_figure, name="media-figure"),
    re_path(r"^media/(?P<path>thumbnails/.+)$", media.serve_figure, name="media-thumbnail"),
    path("", include("recommendations.reading.urls")),
    path("feeds/", include("recommendations.reading.feed_urls")),
    path("", include("recommendations.reading.export_urls")),
    path("newsletter/", include("recommendations.newsletter.urls")),
    path("digest/", include("recommendations.digest.urls")),
    path("rewards/", include("recommendations.rewards.urls")),
    path("", include("recommendations.following.urls")),
    path("", include("recommendations.library.urls")),
    path("", include("recommendations.foryou.urls")),
    path("", include("recommendations.urls")),
]

handler404 = "paperdaily.views.page_not_found"
handler500 = "paperdaily.views.server_error"
