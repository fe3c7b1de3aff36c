app_name = "portfolio"

# The pages of account coverage.
urlpatterns = []
