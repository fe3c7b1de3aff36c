app_name = "coverage"

# The pages of account coverage.
urlpatterns = []
