"""Events to Kafka and deliveries back to the sockets they are for.

``publisher`` (the producer: acked or ``Unavailable``), ``presence`` (join and leave events,
debounced), ``reaper`` (the leaves of gateways that died), ``feed`` (this instance's consumer
of chat.deliver), ``hub`` (which sockets serve which rooms and users; fan-out), ``roster``
(presence snapshots and coalesced changes), ``peer`` (a socket as the hub sees it), ``outbox``
(its bounded send queue), ``wire`` (a frame encoded once, written straight to each socket).
"""
