from django.urls import path

from . import views_history

# The forecast's history pages (views_history.py); app_name is set in forecast/urls.py.
urlpatterns = [
    path("waterfall/", views_history.waterfall_page, name="waterfall"),
    path("accuracy/", views_history.accuracy_page, name="accuracy"),
]
