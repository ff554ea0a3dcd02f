"""Sampling rate limits: two token buckets per tenant (requests, tokens) in Redis, one Lua call.

Both buckets are checked and charged in the same script, so a call refused by one is not
charged by the other, and every gateway of a deployment shares the same buckets. The script
reads Redis's clock (TIME), so gateways with skewed clocks still agree on refills.

The same script can also read one more key once the call is charged (`take(..., also_get=)`):
a sampling call that the result cache may answer then costs the gateway one Redis round trip
for both the charge and the lookup.
"""

from __future__ import annotations

import logging
import math

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from kiln_server.platform.errors import ResourceExhausted
from kiln_server.platform.keys import Keys
from kiln_server.tenants.quotas import Quotas, QuotaStore

log = logging.getLogger("kiln.ratelimit")

# KEYS: bucket hashes, then optionally one key to GET once charged; ARGV: rate, burst, cost for
# each bucket in turn (rate per second).
# Returns {ok, wait_ms, index of the first bucket that refused (1-based, 0 if none)[, value]}.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local buckets = #ARGV / 3
local level = {}
local wait, refused = 0, 0
for i = 1, buckets do
  local rate, burst, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  local b = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local tokens, ts = tonumber(b[1]), tonumber(b[2])
  if tokens == nil or ts == nil then tokens, ts = burst, now end
  tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
  level[i] = tokens
  if tokens < cost and refused == 0 then
    refused = i
    wait = math.ceil((cost - tokens) * 1000 / rate)
  end
end
for i = 1, buckets do
  local rate, burst, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  local tokens = level[i]
  if refused == 0 then tokens = tokens - cost end
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst * 1000 / rate) + 1000)
end
if refused ~= 0 then return {0, wait, refused} end
if #KEYS > buckets then return {1, 0, 0, redis.call('GET', KEYS[buckets + 1])} end
return {1, 0, 0}
"""


class SamplingLimiter:
    """Charges one request and n x max_tokens tokens per sampling call, or refuses it."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, quotas: QuotaStore):
        self.redis = redis
        self.keys = keys
        self.quotas = quotas
        self._take = redis.register_script(_TAKE)

    async def take(self, tenant: str, tokens: int, also_get: str = "") -> tuple[bool, bytes | None]:
        """Returns when the call may run; RESOURCE_EXHAUSTED (QuotaFailure naming the limit, and
        RetryInfo when waiting helps) when it may not. Without Redis the call runs: sampling is
        meant to keep serving through a state-store outage, so limits fail open then.

        With `also_get`, that key is read in the same round trip: returns (True, its value or
        None) when it was read, (False, None) when Redis could not be reached."""
        try:
            q = await self.quotas.get(tenant)
            limits = [
                ("sampling_requests_per_s", q.sampling_requests_per_s, 1),
                ("sampling_tokens_per_s", q.sampling_tokens_per_s, tokens),
            ]
            for name, rate, cost in limits:
                if cost > rate * Quotas.BURST_S:
                    # No wait makes this fit: say so instead of asking for a retry that fails.
                    raise ResourceExhausted(
                        f"quota {name} of tenant {tenant!r} is {rate:g}/s (bursts of {rate * Quotas.BURST_S:g}); "
                        f"this call needs {cost}",
                        subject=f"quotas.{name}",
                    )
            keys = [self.keys.rate_bucket(tenant, name) for name, _, _ in limits]
            args: list[float] = []
            for _, rate, cost in limits:
                args += [rate, rate * Quotas.BURST_S, cost]
            ok, wait_ms, refused, *value = await self._take(keys=keys + ([also_get] if also_get else []), args=args)
        except RedisError as exc:
            log.warning("rate limit not applied: state store unreachable", extra={"error": str(exc)})
            return False, None
        if not ok:
            name, rate, _ = limits[int(refused) - 1]
            raise ResourceExhausted(
                f"quota {name} of tenant {tenant!r} exceeded ({rate:g}/s); retry in {int(wait_ms)} ms",
                subject=f"quotas.{name}",
                retry_after_s=max(0.001, math.ceil(int(wait_ms)) / 1000),
            )
        return bool(also_get), (value[0] if value else None)
