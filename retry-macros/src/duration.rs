//! Duration literals: `10`, `2.5`, `"1500ms"`, `"1.5s"`, `"3m"`, turned into an
//! exact number of nanoseconds at compile time.

/// The units a duration string may carry, with their length in nanoseconds.
const UNITS: &[(&str, u128)] = &[("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000)];

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// The nanoseconds of a number literal counted in seconds, given as syn's
/// `base10_digits` (`"10"`, `"2.5"`, `"1e3"`, `"2.5E-3"`).
pub fn seconds_literal(digits: &str) -> Result<u64, String> {
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(at) => {
            let exponent = digits[at + 1..].parse::<i32>().map_err(|_| format!("`{digits}` is not a number"))?;
            (&digits[..at], exponent)
        }
        None => (digits, 0),
    };
    decimal_nanos(mantissa, exponent, NANOS_PER_SEC).ok_or_else(|| out_of_range(digits))
}

/// The nanoseconds of a duration string such as `"1500ms"`.
///
/// The number is read as a number literal is (digits, `_`, one `.`, an exponent:
/// `"1e3ms"`), so that a string and a literal never disagree about a number; and
/// whitespace around the number and the unit is ignored (`" 2s"`, `"2 s"`,
/// `"2s "`), since it cannot change what the string means. Whitespace inside the
/// number is refused, as `_` is the way to group digits.
pub fn string_literal(text: &str) -> Result<u64, String> {
    let example = "write a number and a unit, e.g. \"1500ms\", \"2s\", \"1.5s\" or \"3m\"";
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!("a duration cannot be negative: {text:?}"));
    }
    let mut split = trimmed.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(trimmed.len());
    let mantissa_end = split;
    let mut exponent = 0;
    if let Some(after_e) = trimmed[split..].strip_prefix(['e', 'E']) {
        let sign = usize::from(after_e.starts_with(['+', '-']));
        let digits = after_e[sign..].find(|c: char| !(c.is_ascii_digit() || c == '_')).unwrap_or(after_e.len() - sign);
        // `e` followed by no digits is the start of a unit, not an exponent.
        if digits > 0 {
            let written: String = after_e[..sign + digits].chars().filter(|c| *c != '_').collect();
            exponent = written.parse::<i32>().map_err(|_| out_of_range(text))?;
            split += 1 + sign + digits;
        }
    }
    let (number, unit) = (&trimmed[..split], trimmed[split..].trim_start());
    let mantissa: String = trimmed[..mantissa_end].chars().filter(|c| *c != '_').collect();
    let well_formed = mantissa.chars().any(|c| c.is_ascii_digit()) && mantissa.matches('.').count() <= 1;
    if !well_formed {
        return Err(format!("{text:?} is not a duration: {example}"));
    }
    if unit.is_empty() {
        return Err(format!(
            "{text:?} has no unit: add one of {} (e.g. \"{number}s\"), or give seconds as a number: `{number}`",
            unit_list()
        ));
    }
    if unit.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return Err(format!("{text:?} has a space inside its number: group digits with `_`, e.g. \"1_500ms\""));
    }
    let Some(&(_, unit_nanos)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(format!("unknown unit `{unit}` in {text:?}: use {}", unit_list()));
    };
    decimal_nanos(&mantissa, exponent, unit_nanos).ok_or_else(|| out_of_range(text))
}

fn unit_list() -> String {
    let names: Vec<String> = UNITS.iter().map(|(name, _)| format!("`{name}`")).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

fn out_of_range(text: &str) -> String {
    format!(
        "{text} is out of range: a duration literal is a whole number of nanoseconds up to {} seconds (about 584 years)",
        u64::MAX / 1_000_000_000
    )
}

/// `mantissa * 10^exponent * unit` as whole nanoseconds: `None` if it does not fit
/// in a `u64`, is finer than a nanosecond, or the mantissa is not `digits[.digits]`.
fn decimal_nanos(mantissa: &str, exponent: i32, unit: u128) -> Option<u64> {
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut digits: u128 = 0;
    for c in whole.chars().chain(fraction.chars()) {
        digits = digits.checked_mul(10)?.checked_add(u128::from(c.to_digit(10)?))?;
    }
    // value = digits * 10^scale * unit
    let scale = i64::from(exponent) - i64::try_from(fraction.len()).ok()?;
    let mut nanos = digits.checked_mul(unit)?;
    if scale >= 0 {
        nanos = nanos.checked_mul(10u128.checked_pow(u32::try_from(scale).ok()?)?)?;
    } else {
        let divisor = 10u128.checked_pow(u32::try_from(-scale).ok()?);
        match divisor {
            Some(divisor) if nanos % divisor == 0 => nanos /= divisor,
            // Finer than a nanosecond (or a divisor past u128, which only zero survives).
            _ if nanos == 0 => {}
            _ => return None,
        }
    }
    u64::try_from(nanos).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds() {
        assert_eq!(seconds_literal("10"), Ok(10_000_000_000));
        assert_eq!(seconds_literal("2.5"), Ok(2_500_000_000));
        assert_eq!(seconds_literal("0.001"), Ok(1_000_000));
        assert_eq!(seconds_literal("1e3"), Ok(1_000_000_000_000));
        assert_eq!(seconds_literal("2.5E-3"), Ok(2_500_000));
        assert_eq!(seconds_literal("0"), Ok(0));
        assert_eq!(seconds_literal("0.0"), Ok(0));
        assert_eq!(seconds_literal("0e-999"), Ok(0));
        assert_eq!(seconds_literal("18446744073"), Ok(18_446_744_073_000_000_000));
        assert!(seconds_literal("18446744074").is_err());
        assert!(seconds_literal("1e30").is_err());
        assert!(seconds_literal("0.0000000001").is_err());
        assert!(seconds_literal("1e").is_err());
    }

    #[test]
    fn strings() {
        assert_eq!(string_literal("1500ms"), Ok(1_500_000_000));
        assert_eq!(string_literal("2s"), Ok(2_000_000_000));
        assert_eq!(string_literal("1.5s"), Ok(1_500_000_000));
        assert_eq!(string_literal("3m"), Ok(180_000_000_000));
        assert_eq!(string_literal("0.5ms"), Ok(500_000));
        assert_eq!(string_literal("1_000ms"), Ok(1_000_000_000));
        assert_eq!(string_literal("2 s"), Ok(2_000_000_000));
        assert_eq!(string_literal(" 2s"), Ok(2_000_000_000));
        assert_eq!(string_literal("2s "), Ok(2_000_000_000));
        assert_eq!(string_literal("\t2 s\n"), Ok(2_000_000_000));
        assert_eq!(string_literal("1e3ms"), Ok(1_000_000_000));
        assert_eq!(string_literal("1.5E+1s"), Ok(15_000_000_000));
        assert_eq!(string_literal("2500e-3s"), Ok(2_500_000_000));
        assert_eq!(string_literal("1_0e1_0ms"), string_literal("10e10ms"));
        assert!(string_literal("2em").unwrap_err().contains("unknown unit `em`"));
        assert!(string_literal("2e-s").unwrap_err().contains("unknown unit `e-s`"));
        assert!(string_literal("1e99999999999s").unwrap_err().contains("out of range"));
        assert!(string_literal("1 500ms").unwrap_err().contains("space inside its number"));
        assert!(string_literal("2 m s").unwrap_err().contains("unknown unit `m s`"));
        assert!(string_literal(" -1s").unwrap_err().contains("negative"));
        assert!(string_literal("2h").unwrap_err().contains("unknown unit `h`"));
        assert!(string_literal("2h").unwrap_err().contains("`ms`, `s` or `m`"));
        assert!(string_literal("1500").unwrap_err().contains("no unit"));
        assert!(string_literal("-1s").unwrap_err().contains("negative"));
        assert!(string_literal("NaNs").unwrap_err().contains("not a duration"));
        assert!(string_literal("1.2.3s").unwrap_err().contains("not a duration"));
        assert!(string_literal("").unwrap_err().contains("not a duration"));
        assert!(string_literal(".s").unwrap_err().contains("not a duration"));
        assert!(string_literal("0.0000001ms").unwrap_err().contains("out of range"));
    }
}
