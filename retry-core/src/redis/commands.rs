//! Which Redis commands are idempotent, from their names (and a few flags).

use crate::engine::Declared;
use crate::idempotency::Idempotency;
use redis::{Arg, Cmd, Pipeline};

/// One command the connection knows: its callable name, and whether running it
/// twice has the effect of running it once.
pub(crate) struct Command {
    pub(crate) name: &'static str,
    pub(crate) callable: &'static str,
    pub(crate) idempotency: Idempotency,
}

macro_rules! commands {
    ($($name:ident: $idempotency:ident,)*) => {
        /// Sorted by name (a test checks the order).
        pub(crate) const COMMANDS: &[Command] = &[$(Command {
            name: stringify!($name),
            callable: concat!("redis::", stringify!($name)),
            idempotency: Idempotency::$idempotency,
        },)*];
        /// Whether each command's callable was declared to the hooks yet.
        pub(crate) static DECLARED: [Declared; COMMANDS.len()] = [$({ let _ = stringify!($name); Declared::new() },)*];
    };
}

// Idempotent: the state after two runs is the state after one. Reads; writes that
// set a value (`SET` without `NX`, `XX` or `GET`, `HSET`, `SADD`, `DEL`,
// `EXPIRE`...). Not: counters, list pushes and pops, `XADD *`, scripts, renames,
// and every command not listed here.
commands! {
    APPEND: NotIdempotent,
    AUTH: Idempotent,
    BITCOUNT: Idempotent,
    BLMOVE: NotIdempotent,
    BLPOP: NotIdempotent,
    BRPOP: NotIdempotent,
    BRPOPLPUSH: NotIdempotent,
    BZPOPMAX: NotIdempotent,
    BZPOPMIN: NotIdempotent,
    COPY: NotIdempotent,
    DBSIZE: Idempotent,
    DECR: NotIdempotent,
    DECRBY: NotIdempotent,
    DEL: Idempotent,
    ECHO: Idempotent,
    EVAL: NotIdempotent,
    EVALSHA: NotIdempotent,
    EVALSHA_RO: Idempotent,
    EVAL_RO: Idempotent,
    EXEC: NotIdempotent,
    EXISTS: Idempotent,
    EXPIRE: Idempotent,
    EXPIREAT: Idempotent,
    EXPIRETIME: Idempotent,
    FCALL: NotIdempotent,
    FCALL_RO: Idempotent,
    GEOADD: Idempotent,
    GEODIST: Idempotent,
    GEOHASH: Idempotent,
    GEOPOS: Idempotent,
    GEOSEARCH: Idempotent,
    GET: Idempotent,
    GETBIT: Idempotent,
    GETDEL: NotIdempotent,
    GETEX: Idempotent,
    GETRANGE: Idempotent,
    GETSET: NotIdempotent,
    HDEL: Idempotent,
    HELLO: Idempotent,
    HEXISTS: Idempotent,
    HGET: Idempotent,
    HGETALL: Idempotent,
    HINCRBY: NotIdempotent,
    HINCRBYFLOAT: NotIdempotent,
    HKEYS: Idempotent,
    HLEN: Idempotent,
    HMGET: Idempotent,
    HMSET: Idempotent,
    HSCAN: Idempotent,
    HSET: Idempotent,
    HSETNX: NotIdempotent,
    HSTRLEN: Idempotent,
    HVALS: Idempotent,
    INCR: NotIdempotent,
    INCRBY: NotIdempotent,
    INCRBYFLOAT: NotIdempotent,
    INFO: Idempotent,
    KEYS: Idempotent,
    LINDEX: Idempotent,
    LINSERT: NotIdempotent,
    LLEN: Idempotent,
    LMOVE: NotIdempotent,
    LMPOP: NotIdempotent,
    LPOP: NotIdempotent,
    LPOS: Idempotent,
    LPUSH: NotIdempotent,
    LPUSHX: NotIdempotent,
    LRANGE: Idempotent,
    LREM: NotIdempotent,
    LSET: Idempotent,
    LTRIM: Idempotent,
    MGET: Idempotent,
    MOVE: NotIdempotent,
    MSET: Idempotent,
    MSETNX: NotIdempotent,
    MULTI: NotIdempotent,
    PERSIST: Idempotent,
    PEXPIRE: Idempotent,
    PEXPIREAT: Idempotent,
    PEXPIRETIME: Idempotent,
    PFADD: Idempotent,
    PFCOUNT: Idempotent,
    PING: Idempotent,
    PSETEX: Idempotent,
    PTTL: Idempotent,
    PUBLISH: NotIdempotent,
    RENAME: NotIdempotent,
    RENAMENX: NotIdempotent,
    RPOP: NotIdempotent,
    RPOPLPUSH: NotIdempotent,
    RPUSH: NotIdempotent,
    RPUSHX: NotIdempotent,
    SADD: Idempotent,
    SCAN: Idempotent,
    SCARD: Idempotent,
    SDIFF: Idempotent,
    SDIFFSTORE: Idempotent,
    SELECT: Idempotent,
    SET: Idempotent,
    SETBIT: Idempotent,
    SETEX: Idempotent,
    SETNX: NotIdempotent,
    SETRANGE: Idempotent,
    SINTER: Idempotent,
    SINTERSTORE: Idempotent,
    SISMEMBER: Idempotent,
    SMEMBERS: Idempotent,
    SMISMEMBER: Idempotent,
    SMOVE: NotIdempotent,
    SPOP: NotIdempotent,
    SPUBLISH: NotIdempotent,
    SRANDMEMBER: Idempotent,
    SREM: Idempotent,
    SSCAN: Idempotent,
    STRLEN: Idempotent,
    SUNION: Idempotent,
    SUNIONSTORE: Idempotent,
    TIME: Idempotent,
    TOUCH: Idempotent,
    TTL: Idempotent,
    TYPE: Idempotent,
    UNLINK: Idempotent,
    WAIT: Idempotent,
    XACK: Idempotent,
    XADD: NotIdempotent,
    XAUTOCLAIM: NotIdempotent,
    XCLAIM: NotIdempotent,
    XDEL: Idempotent,
    XLEN: Idempotent,
    XRANGE: Idempotent,
    XREAD: Idempotent,
    XREADGROUP: NotIdempotent,
    XREVRANGE: Idempotent,
    XTRIM: Idempotent,
    ZADD: Idempotent,
    ZCARD: Idempotent,
    ZCOUNT: Idempotent,
    ZINCRBY: NotIdempotent,
    ZMPOP: NotIdempotent,
    ZMSCORE: Idempotent,
    ZPOPMAX: NotIdempotent,
    ZPOPMIN: NotIdempotent,
    ZRANGE: Idempotent,
    ZRANGEBYSCORE: Idempotent,
    ZRANK: Idempotent,
    ZREM: Idempotent,
    ZREVRANGE: Idempotent,
    ZREVRANK: Idempotent,
    ZSCAN: Idempotent,
    ZSCORE: Idempotent,
}

/// The callable of a command the table does not know.
pub(crate) const OTHER: &str = "redis::<other>";
/// The callable of a pipeline, and of a `MULTI`/`EXEC` transaction.
pub(crate) const PIPELINE: &str = "redis::<pipeline>";

/// What the connection needs to know about a request before sending it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Request {
    /// Index into [`COMMANDS`], for a single known command.
    pub(crate) index: Option<usize>,
    pub(crate) callable: &'static str,
    pub(crate) idempotency: Idempotency,
}

/// Slots of the open-addressing table from a command's name to its entry: a
/// power of two, over three times the commands, so that most lookups probe once.
const SLOTS: usize = 512;
/// The longest name in [`COMMANDS`]; longer names are not looked up.
const LONGEST: usize = 16;

/// FNV-1a of the name in upper case.
const fn hash(name: &[u8]) -> usize {
    let mut hash: u32 = 0x811c_9dc5;
    let mut i = 0;
    while i < name.len() {
        hash ^= name[i].to_ascii_uppercase() as u32;
        hash = hash.wrapping_mul(0x0100_0193);
        i += 1;
    }
    hash as usize & (SLOTS - 1)
}

/// Each slot holds 1 + the index of a command in [`COMMANDS`], or 0; built at
/// compile time.
static INDEX: [u8; SLOTS] = {
    let mut index = [0u8; SLOTS];
    let mut command = 0;
    while command < COMMANDS.len() {
        let mut slot = hash(COMMANDS[command].name.as_bytes());
        while index[slot] != 0 {
            slot = (slot + 1) & (SLOTS - 1);
        }
        #[allow(clippy::cast_possible_truncation, reason = "fewer than 255 commands, as a test checks")]
        let entry = (command + 1) as u8;
        index[slot] = entry;
        command += 1;
    }
    index
};

/// The entry of the command called `name` (any case): a hash and, almost
/// always, one comparison, since it runs for every command sent.
pub(crate) fn lookup(name: &[u8]) -> Option<usize> {
    if name.len() > LONGEST {
        return None;
    }
    let mut slot = hash(name);
    loop {
        let entry = usize::from(INDEX[slot]).checked_sub(1)?;
        if COMMANDS[entry].name.as_bytes().eq_ignore_ascii_case(name) {
            return Some(entry);
        }
        slot = (slot + 1) & (SLOTS - 1);
    }
}

/// A single command, from its name and its arguments.
pub(crate) fn of_args<'a>(mut args: impl Iterator<Item = &'a [u8]>) -> Request {
    let Some(index) = args.next().and_then(lookup) else {
        return Request { index: None, callable: OTHER, idempotency: Idempotency::NotIdempotent };
    };
    let command = &COMMANDS[index];
    let idempotency = match command.name {
        // `SET k v NX|XX|GET` answers differently the second time: a write that
        // did happen would look as if it had not.
        "SET" => Idempotency::from_bool(
            !args.any(|arg| ["NX", "XX", "GET"].iter().any(|flag| arg.eq_ignore_ascii_case(flag.as_bytes()))),
        ),
        // `XADD key * ..` makes a new entry per run; with an explicit id, the
        // second run is refused.
        "XADD" => Idempotency::from_bool(!args.any(|arg| arg == b"*")),
        // `ZADD key INCR ..` is `ZINCRBY`.
        "ZADD" => Idempotency::from_bool(!args.any(|arg| arg.eq_ignore_ascii_case(b"INCR"))),
        _ => command.idempotency,
    };
    Request { index: Some(index), callable: command.callable, idempotency }
}

/// A command built with redis-rs's `Cmd`.
pub(crate) fn of_cmd(cmd: &Cmd) -> Request {
    of_args(cmd.args_iter().filter_map(|arg| match arg {
        Arg::Simple(bytes) => Some(bytes),
        _ => None,
    }))
}

/// A pipeline or a transaction: idempotent when all of its commands are.
pub(crate) fn of_pipeline(pipeline: &Pipeline) -> Request {
    let idempotent = pipeline.cmd_iter().all(|cmd| of_cmd(cmd).idempotency.is_idempotent());
    Request { index: None, callable: PIPELINE, idempotency: Idempotency::from_bool(idempotent) }
}

/// Commands as the sync connection receives them: packed in RESP, one array of
/// bulk strings per command. Idempotent when every command is; anything that does
/// not parse is not.
pub(crate) fn of_packed(mut packed: &[u8]) -> Request {
    let mut first: Option<Request> = None;
    let mut count = 0;
    let mut idempotent = true;
    while !packed.is_empty() {
        let Some((args, rest)) = split_command(packed) else {
            return Request { index: None, callable: OTHER, idempotency: Idempotency::NotIdempotent };
        };
        packed = rest;
        let request = of_args(args.into_iter());
        // A transaction is packed as `MULTI`, its commands, `EXEC`: its commands decide.
        if matches!(request.callable, "redis::MULTI" | "redis::EXEC") {
            continue;
        }
        idempotent &= request.idempotency.is_idempotent();
        first.get_or_insert(request);
        count += 1;
    }
    match (first, count) {
        (Some(single), 1) => single,
        _ => Request { index: None, callable: PIPELINE, idempotency: Idempotency::from_bool(idempotent) },
    }
}

/// One RESP array of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`): its
/// arguments, and what follows it.
fn split_command(packed: &[u8]) -> Option<(Vec<&[u8]>, &[u8])> {
    let (count, mut rest) = number_line(packed.strip_prefix(b"*")?)?;
    let mut args = Vec::with_capacity(count);
    for _ in 0..count {
        let (len, after) = number_line(rest.strip_prefix(b"$")?)?;
        let arg = after.get(..len)?;
        rest = after.get(len..)?.strip_prefix(b"\r\n")?;
        args.push(arg);
    }
    Some((args, rest))
}

fn number_line(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let end = bytes.windows(2).position(|pair| pair == b"\r\n")?;
    let number = std::str::from_utf8(&bytes[..end]).ok()?.parse().ok()?;
    Some((number, &bytes[end + 2..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_short_enough_for_the_lookup_buffer() {
        for pair in COMMANDS.windows(2) {
            assert!(pair[0].name < pair[1].name, "{} before {}", pair[0].name, pair[1].name);
        }
        assert!(COMMANDS.iter().all(|command| command.name.len() <= LONGEST));
        assert!(COMMANDS.len() < 255 && COMMANDS.len() * 3 < SLOTS, "the index holds u8 and stays sparse");
        for (index, command) in COMMANDS.iter().enumerate() {
            assert_eq!(lookup(command.name.to_ascii_lowercase().as_bytes()), Some(index));
        }
        assert_eq!(lookup(b"NOT-A-COMMAND-AT-ALL"), None);
    }

    #[test]
    fn classified_from_the_name_and_flags() {
        let idempotent = |cmd: &Cmd| of_cmd(cmd).idempotency.is_idempotent();
        assert!(idempotent(redis::cmd("GET").arg("k")));
        assert!(idempotent(redis::cmd("set").arg("k").arg(1)));
        assert!(idempotent(redis::cmd("SET").arg("k").arg(1).arg("EX").arg(10)));
        assert!(!idempotent(redis::cmd("SET").arg("k").arg(1).arg("nx")));
        assert!(!idempotent(redis::cmd("SET").arg("k").arg(1).arg("GET")));
        assert!(!idempotent(redis::cmd("INCR").arg("k")));
        assert!(!idempotent(redis::cmd("LPUSH").arg("k").arg("v")));
        assert!(!idempotent(redis::cmd("XADD").arg("s").arg("*").arg("f").arg("v")));
        assert!(idempotent(redis::cmd("XADD").arg("s").arg("1-1").arg("f").arg("v")));
        assert!(!idempotent(redis::cmd("ZADD").arg("z").arg("INCR").arg(1).arg("m")));
        assert!(!idempotent(&redis::cmd("JSON.SET")), "unknown commands are not idempotent");
        assert_eq!(of_cmd(redis::cmd("get").arg("secret-key")).callable, "redis::GET", "never the arguments");
        assert_eq!(of_cmd(&redis::cmd("JSON.SET")).callable, OTHER);
    }

    #[test]
    fn a_pipeline_is_idempotent_when_all_of_its_commands_are() {
        let mut reads = redis::pipe();
        reads.get("a").set("b", 1).del("c");
        assert_eq!(of_pipeline(&reads).idempotency, Idempotency::Idempotent);
        let mut mixed = redis::pipe();
        mixed.set("a", 1).incr("n", 1);
        assert_eq!(of_pipeline(&mixed).idempotency, Idempotency::NotIdempotent);
        let mut transaction = redis::pipe();
        transaction.atomic().set("a", 1).set("b", 2);
        assert_eq!(of_pipeline(&transaction).idempotency, Idempotency::Idempotent);
        assert_eq!(of_pipeline(&transaction).callable, PIPELINE);
    }

    #[test]
    fn packed_commands_are_parsed() {
        let get = redis::cmd("GET").arg("k").get_packed_command();
        assert_eq!(of_packed(&get).callable, "redis::GET");
        assert!(of_packed(&get).idempotency.is_idempotent());
        let mut mixed = redis::pipe();
        mixed.set("a", 1).incr("n", 1);
        let packed = mixed.get_packed_pipeline();
        assert_eq!(
            of_packed(&packed),
            Request { index: None, callable: PIPELINE, idempotency: Idempotency::NotIdempotent }
        );
        let mut transaction = redis::pipe();
        transaction.atomic().set("a", "b\r\nc");
        assert!(of_packed(&transaction.get_packed_pipeline()).idempotency.is_idempotent(), "MULTI SET EXEC");
        assert_eq!(of_packed(b"*2\r\n$3\r\nGET").idempotency, Idempotency::NotIdempotent, "truncated");
    }
}
