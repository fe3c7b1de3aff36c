# Django groups Chinese numbers by nothing (17101); sales software in China writes amounts in
# thousands with commas (17,101), as the sales teams read their reports.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
