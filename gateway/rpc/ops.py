"""``parley.v1.OpsService``: the functions table and dead-letter replay (scope ``ops``)."""

from __future__ import annotations

import grpc
from confluent_kafka import KafkaException

from gateway.resources import Resources
from gateway.rpc.calls import Calls
from gateway.rpc.errors import USER, Refused, checked
from gateway.rpc.v1 import ops_pb2 as pb
from gateway.rpc.v1 import ops_pb2_grpc
from runtime.kafka import dlq

Context = grpc.aio.ServicerContext[object, object]


class OpsService(ops_pb2_grpc.OpsServiceServicer):
    """What ``parley functions`` and ``parley dlq replay`` do, over gRPC."""

    def __init__(self, res: Resources, calls: Calls) -> None:
        self.res = res
        self.calls = calls

    async def Functions(  # noqa: N802 - the generated servicer's names
        self, request: pb.FunctionsRequest, context: Context
    ) -> pb.FunctionsResponse:
        async with self.calls.call(context, "Functions", "ops"):
            try:
                rows = await self.res.functions.rows()
            except KafkaException as exc:
                raise _kafka_down(exc) from None
            return pb.FunctionsResponse(
                functions=[
                    pb.Function(
                        name=row.name,
                        trigger=row.trigger,
                        topic=row.topic,
                        group=row.group,
                        replicas=row.replicas,
                        lag=row.lag,
                        dead_letters=row.dlq,
                        action=row.action or "",
                    )
                    for row in rows
                ]
            )

    async def ReplayDeadLetters(  # noqa: N802
        self, request: pb.ReplayDeadLettersRequest, context: Context
    ) -> pb.ReplayDeadLettersResponse:
        async with self.calls.call(context, "ReplayDeadLetters", "ops"):
            name = checked(USER, request.function, "function")
            if name not in self.res.registry.descriptors:
                raise Refused(
                    grpc.StatusCode.NOT_FOUND,
                    "unknown_function",
                    f"no function {name!r} is registered (see the Functions call)",
                )
            try:
                count = await dlq.replay(self.res.settings, name)
            except KafkaException as exc:
                raise _kafka_down(exc) from None
            return pb.ReplayDeadLettersResponse(replayed=count)


def _kafka_down(exc: KafkaException) -> Refused:
    return Refused(grpc.StatusCode.UNAVAILABLE, "unavailable", f"Kafka did not answer: {exc}")
