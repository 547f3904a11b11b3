package dev.parley.worker.history;

/**
 * The Lua scripts of {@link RedisHistoryStore}. Each runs atomically in Redis, so bounding a conversation happens in
 * the same step as the append that exceeds the bound, and no reader sees a half-trimmed history.
 *
 * <p>Every script gets the same five keys: {@code KEYS[1]} the turn list, {@code KEYS[2]} the reply hash,
 * {@code KEYS[3]} the list of request ids in the reply hash, oldest first (the order replies are evicted in),
 * {@code KEYS[4]} the conversation's meta hash and {@code KEYS[5]} the set of cancelled request ids (a request's
 * mark goes once its reply is stored: that reply answers every later delivery). The meta hash holds {@code turns}
 * (turns ever appended: the turn counter, which stays right when old turns are dropped), {@code turn_bytes} and
 * {@code reply_bytes} (bytes of JSON held in the list and the hash), {@code system} (the system prompt in force,
 * kept when the turn that carried it is dropped) and {@code tenant} (the owning tenant, empty for none: see
 * {@link ConversationOwner}; absent until the first append, and in histories of earlier versions).
 *
 * <p>Histories written by earlier versions (no meta hash, or turns appended by an older worker during a rolling
 * upgrade) are counted again from the list the first time a script meets them.
 */
final class RedisScripts {

    /** The meta hash's field of the owning tenant. */
    static final String OWNER_FIELD = "tenant";

    private RedisScripts() {
    }

    /**
     * Shared functions. {@code init_meta} counts, once, a conversation stored before histories were bounded (no
     * meta hash yet): its list was never trimmed, so its length is its turn count.
     */
    private static final String FUNCTIONS = """
            local function init_meta()
              if redis.call('EXISTS', KEYS[4]) == 1 then return end
              local entries = redis.call('LRANGE', KEYS[1], 0, -1)
              local ids = redis.call('HKEYS', KEYS[2])
              if #entries == 0 and #ids == 0 then return end
              local turn_bytes, system = 0, nil
              for i = #entries, 1, -1 do
                turn_bytes = turn_bytes + #entries[i]
                if system == nil then
                  local ok, entry = pcall(cjson.decode, entries[i])
                  if ok and type(entry) == 'table' and type(entry['system']) == 'string' then system = entry['system'] end
                end
              end
              local reply_bytes = 0
              redis.call('DEL', KEYS[3])
              for _, id in ipairs(ids) do
                reply_bytes = reply_bytes + redis.call('HSTRLEN', KEYS[2], id)
                redis.call('RPUSH', KEYS[3], id)
              end
              redis.call('HSET', KEYS[4], 'turns', #entries, 'turn_bytes', turn_bytes, 'reply_bytes', reply_bytes)
              if system then redis.call('HSET', KEYS[4], 'system', system) end
            end

            local function meta_number(field)
              return tonumber(redis.call('HGET', KEYS[4], field) or '0')
            end

            -- A worker of an earlier version (a rolling upgrade) appends without counting: when the newest turn is
            -- numbered past the counter, count again from the list and take up a system prompt it brought.
            local function sync_counter()
              local newest = redis.call('LINDEX', KEYS[1], -1)
              if not newest then return end
              local ok, entry = pcall(cjson.decode, newest)
              if not ok or type(entry) ~= 'table' or type(entry['turn']) ~= 'number' then return end
              local counted = meta_number('turns')
              if entry['turn'] <= counted then return end
              local entries = redis.call('LRANGE', KEYS[1], 0, -1)
              local bytes, system, past = 0, nil, false
              for i = #entries, 1, -1 do
                bytes = bytes + #entries[i]
                if not past and system == nil then
                  local decoded_ok, older = pcall(cjson.decode, entries[i])
                  if decoded_ok and type(older) == 'table' then
                    past = type(older['turn']) == 'number' and older['turn'] <= counted
                    if not past and type(older['system']) == 'string' then system = older['system'] end
                  end
                end
              end
              redis.call('HSET', KEYS[4], 'turns', entry['turn'], 'turn_bytes', bytes)
              if system then redis.call('HSET', KEYS[4], 'system', system) end
            end

            -- Stores a reply under its request id and evicts the oldest ones beyond the window or the byte bound.
            local function remember(id, json, window, max_bytes)
              redis.call('HSET', KEYS[2], id, json)
              redis.call('SREM', KEYS[5], id)
              local kept = redis.call('RPUSH', KEYS[3], id)
              local bytes = meta_number('reply_bytes') + #json
              while kept > 1 and (kept > window or bytes > max_bytes) do
                local oldest = redis.call('LPOP', KEYS[3])
                bytes = bytes - redis.call('HSTRLEN', KEYS[2], oldest)
                redis.call('HDEL', KEYS[2], oldest)
                kept = kept - 1
              end
              redis.call('HSET', KEYS[4], 'reply_bytes', bytes)
            end

            local function expire_all(ttl)
              if ttl > 0 then
                for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, ttl) end
              end
            end
            """;

    /**
     * Appends a turn and stores its reply, unless the conversation belongs to another tenant (answers its owner,
     * before anything else: a stored reply is not given to another tenant), the request id is stored already (answers
     * the stored reply) or the turn number does not follow the counter (answers the counter). The first append records
     * the tenant as the owner. When the list then exceeds a bound, drops its oldest turns down to
     * {@link HistoryLimits#KEEP_AFTER_TRIM} of the bounds. ARGV: request id, reply JSON, TTL seconds (0: keep), max
     * turns, max bytes, reply window, expected turn, entry JSON, '1' when the turn carries a system prompt, that
     * system prompt, the fraction kept after a trim, the prompt's tenant ('' for none).
     */
    static final String APPEND = FUNCTIONS + """
            init_meta()
            sync_counter()
            local owner = redis.call('HGET', KEYS[4], 'tenant')
            if owner and owner ~= ARGV[12] then return {'tenant_mismatch', owner} end
            local stored = redis.call('HGET', KEYS[2], ARGV[1])
            if stored then return {'duplicate', stored} end
            local count = meta_number('turns')
            if count + 1 ~= tonumber(ARGV[7]) then return {'conflict', tostring(count)} end
            local length = redis.call('RPUSH', KEYS[1], ARGV[8])
            local bytes = meta_number('turn_bytes') + #ARGV[8]
            local max_turns, max_bytes = tonumber(ARGV[4]), tonumber(ARGV[5])
            local dropped = 0
            if length > max_turns or bytes > max_bytes then
              -- Down to a fraction of the bound, not just under it: the stored history then starts at the same turn
              -- for a while, and so do prompts built from it, which keeps the engine's cached prefix.
              local keep = tonumber(ARGV[11])
              local keep_turns, keep_bytes = math.max(1, math.floor(max_turns * keep)), max_bytes * keep
              while length > 1 and (length > keep_turns or bytes > keep_bytes) do
                bytes = bytes - #redis.call('LPOP', KEYS[1])
                length = length - 1
                dropped = dropped + 1
              end
            end
            redis.call('HSET', KEYS[4], 'turns', count + 1, 'turn_bytes', bytes)
            if ARGV[9] == '1' then redis.call('HSET', KEYS[4], 'system', ARGV[10]) end
            if not owner then redis.call('HSET', KEYS[4], 'tenant', ARGV[12]) end
            remember(ARGV[1], ARGV[2], tonumber(ARGV[6]), max_bytes)
            expire_all(tonumber(ARGV[3]))
            return {'appended', tostring(count + 1), tostring(dropped)}
            """;

    /**
     * Stores a reply without a turn unless one is stored for the request id; answers the reply that stands.
     * ARGV: request id, reply JSON, TTL seconds (0: keep), max turns, max bytes, reply window.
     */
    static final String RECORD_REPLY = FUNCTIONS + """
            init_meta()
            local stored = redis.call('HGET', KEYS[2], ARGV[1])
            if stored then return stored end
            remember(ARGV[1], ARGV[2], tonumber(ARGV[6]), tonumber(ARGV[5]))
            expire_all(tonumber(ARGV[3]))
            return ARGV[2]
            """;

    /**
     * Reads the newest turns, at most ARGV[1] of them and ARGV[2] bytes, a page at a time from the end of the list.
     * Answers the turn counter, the system prompt in force (or nil), then the turns read, oldest first.
     */
    static final String LOAD_TAIL = FUNCTIONS + """
            init_meta()
            sync_counter()
            local max_turns, max_bytes = tonumber(ARGV[1]), tonumber(ARGV[2])
            local newest_first, bytes, last, full = {}, 0, -1, false
            while not full and #newest_first < max_turns do
              local want = math.min(32, max_turns - #newest_first)
              local page = redis.call('LRANGE', KEYS[1], last - want + 1, last)
              for i = #page, 1, -1 do
                if bytes + #page[i] > max_bytes then full = true break end
                bytes = bytes + #page[i]
                newest_first[#newest_first + 1] = page[i]
              end
              if #page < want then full = true end
              last = last - want
            end
            local answer = {tostring(meta_number('turns')), redis.call('HGET', KEYS[4], 'system')}
            for i = #newest_first, 1, -1 do answer[#answer + 1] = newest_first[i] end
            return answer
            """;
}
