package dev.parley.worker.quota;

/**
 * The one Lua script of {@link RedisTokenBuckets}. It runs atomically in Redis, so workers sharing a tenant's
 * buckets never lose each other's debits, and it reads the time from Redis ({@code TIME}) unless a test passes one,
 * so the workers' own clocks never matter.
 *
 * <p>{@code KEYS[1]} is the tenant's hash: {@code prompt} and {@code completion} (balances in tokens, fractional,
 * possibly negative) and {@code at} (the milliseconds they were computed at). A missing hash or field is a full
 * bucket. ARGV: now in milliseconds ('' for Redis's clock), prompt and completion limits per minute (0: unlimited),
 * prompt and completion tokens to debit.
 *
 * <p>Answers {admitted (1 or 0), retry-after ms, prompt balance, completion balance, exhausted bucket or ''}. A
 * bucket admits while it holds at least one token. The hash expires when every bucket would be full again: a full
 * bucket and a missing one are the same.
 */
final class QuotaScripts {

    private QuotaScripts() {
    }

    static final String SETTLE = """
            -- Milliseconds until a bucket refilling limit tokens a minute gains the tokens given; the epsilon keeps a
            -- rounding error of the balance from adding a millisecond.
            local function ms_until(tokens, limit)
              return math.max(0, math.ceil(tokens * 60000 / limit - 1e-6))
            end
            local now = tonumber(ARGV[1])
            if not now then
              local time = redis.call('TIME')
              now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            end
            local names = {'prompt', 'completion'}
            local limits = {tonumber(ARGV[2]), tonumber(ARGV[3])}
            local debits = {tonumber(ARGV[4]), tonumber(ARGV[5])}
            local stored = redis.call('HMGET', KEYS[1], 'prompt', 'completion', 'at')
            local at = tonumber(stored[3]) or now
            -- A clock that steps back refills nothing and does not move the mark back.
            local elapsed = math.max(0, now - at)
            local admitted, retry, full_in, exhausted = 1, 0, 0, ''
            local balances = {'0', '0'}
            for i = 1, 2 do
              local limit = limits[i]
              if limit > 0 then
                local balance = tonumber(stored[i]) or limit
                balance = math.min(limit, balance + elapsed * limit / 60000) - debits[i]
                if balance < 1 then
                  admitted = 0
                  local wait = ms_until(1 - balance, limit)
                  if wait > retry then retry, exhausted = wait, names[i] end
                end
                full_in = math.max(full_in, ms_until(limit - balance, limit))
                balances[i] = string.format('%.6f', balance)
                redis.call('HSET', KEYS[1], names[i], balances[i])
              else
                redis.call('HDEL', KEYS[1], names[i])
              end
            end
            if full_in <= 0 then
              redis.call('DEL', KEYS[1])
            else
              redis.call('HSET', KEYS[1], 'at', string.format('%d', math.max(at, now)))
              redis.call('PEXPIRE', KEYS[1], full_in + 1000)
            end
            return {admitted, retry, balances[1], balances[2], exhausted}
            """;
}
