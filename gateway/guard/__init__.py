"""Who may do what, and how much: authentication, access and the abuse guards.

``auth`` (password hashes and signed access tokens), ``access`` (the caller of a request or
socket; closing the sockets of ended sessions), ``hashing`` (the bounded password hashing pool),
``throttle`` (failed logins), ``login_metrics`` (what a login flood does), ``origins`` (which
browser origins may open a socket), ``quotas`` (sockets per user and address, frames per user),
``bucket`` (a token bucket).
"""
