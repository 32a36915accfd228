"""ManageEngine EventLog Analyzer / Log360 (REST API v2 incidents) behind the backend contract.

Everything that knows Log360's wire lives in this package: ``client`` (HTTP, Bearer auth,
``from``/``limit`` pages, both error shapes, the base URL and TLS rules), ``parse`` (its
list items and get-one answers to the neutral model, with Log360's own fields in
``Log360Fields``) and ``pacer`` (the 60-requests-a-minute budget every request shares,
user actions first).  Wire details: ../shared/spec/log360-incidents-api.md.
"""
