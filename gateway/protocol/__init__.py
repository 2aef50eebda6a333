"""What clients send, read and checked: the vocabulary every other part of the gateway shares.

``inbound`` (client frames and the ``Refusal`` a bad one gets), ``jsontext`` (untrusted JSON
text, for frames and HTTP bodies alike), ``actions`` (the actions functions declare, checked
against their schemas), ``receipts`` (which event id a ``client_id`` got). It imports no other
part of the gateway.
"""
