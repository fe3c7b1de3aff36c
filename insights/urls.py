app_name = "insights"

# The pages of best time to reach prospects.
urlpatterns = []
