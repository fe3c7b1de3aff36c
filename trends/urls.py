app_name = "trends"

# The pages of growth, retention and early warnings.
urlpatterns = []
