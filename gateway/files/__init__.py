"""Uploaded files: what they are and who may fetch them (their routes are in ``gateway.http``).

``media`` (the type from the bytes, an image's thumbnail), ``signed_urls`` (signed, expiring
file URLs).
"""
