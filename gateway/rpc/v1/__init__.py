"""Generated from proto/parley/v1 by ``python -m gateway.rpc.codegen``: do not edit."""
