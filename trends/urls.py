from django.urls import path

from . import views

app_name = "trends"

# The pages of growth, retention and early warnings.
urlpatterns = [
    path("growth/", views.growth_page, name="growth"),
]
