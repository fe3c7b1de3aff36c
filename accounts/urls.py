from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change",
    ),
    path("language/", views.set_language, name="language"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("settings/users/", views.user_list, name="user_list"),
    path("settings/users/new/", views.user_create, name="user_create"),
    path("settings/users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("settings/users/<int:user_id>/password/", views.user_set_password, name="user_set_password"),
    path("settings/teams/", views.team_list, name="team_list"),
    path("settings/teams/new/", views.team_edit, name="team_create"),
    path("settings/teams/<int:team_id>/", views.team_edit, name="team_edit"),
    path("settings/teams/<int:team_id>/delete/", views.team_delete, name="team_delete"),
    path("settings/territories/", views.territory_list, name="territory_list"),
    path("settings/territories/new/", views.territory_edit, name="territory_create"),
    path("settings/territories/<int:territory_id>/", views.territory_edit, name="territory_edit"),
    path("settings/territories/<int:territory_id>/delete/", views.territory_delete, name="territory_delete"),
]
