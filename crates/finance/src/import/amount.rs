//! Amounts as exports write them, read exactly: never through a float.
//!
//! The rules (docs/FLOWS.md, "Numbers"):
//!
//! - Digits with an optional `.` and fraction: `1234.5`, `0.000001`.
//! - A `,` is only a thousands separator, in groups of three before the
//!   point: `1,234.50`, `1,000` (Etherscan writes token quantities so).
//! - Refused, each with a message saying what to write instead: an
//!   exponent (`1e-7`, `1.5E+3`: a float printed, not an exact amount), a
//!   decimal comma (`1,5`, `1.234,56`), dots as thousands separators
//!   (`1.234.567`), spaces, apostrophes or underscores inside the number, a
//!   sign, a bare point (`.5`, `5.`), and more than 28 significant digits
//!   (the most an exact decimal holds).
//! - Values in base units (wei, sun, satoshi) are whole numbers shifted by
//!   the token's decimals: `1500000` with 6 decimals is `1.5`.

use rust_decimal::Decimal;

/// Most significant digits an exact [`Decimal`] holds.
const MAX_DIGITS: usize = 28;

/// Reads an amount in units of its asset (`1,234.50`, `0.1`).
pub fn parse_amount(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the amount is empty".into());
    }
    if t.starts_with('-') || t.starts_with('+') {
        return Err(format!(
            "amount {t:?} has a sign; amounts are positive and the columns say the direction"
        ));
    }
    if t.bytes().any(|b| b == b'e' || b == b'E') && t.bytes().any(|b| b.is_ascii_digit()) {
        return Err(format!(
            "amount {t:?} is in exponent notation (a float, not an exact amount); write every digit, e.g. 0.0000001"
        ));
    }
    if let Some(bad) = t
        .chars()
        .find(|c| !c.is_ascii_digit() && *c != ',' && *c != '.')
    {
        return Err(format!(
            "amount {t:?} is not a number: {bad:?} is not a digit, ',' or '.'"
        ));
    }
    let (integer, fraction) = match t.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (t, None),
    };
    if let Some(f) = fraction {
        if f.contains('.') {
            return Err(format!(
                "amount {t:?} has several '.': dots as thousands separators are ambiguous; write 1234567.89"
            ));
        }
        if f.contains(',') {
            return Err(format!(
                "amount {t:?} uses a decimal comma; write the point as '.', e.g. 1234.56"
            ));
        }
        if f.is_empty() || integer.is_empty() {
            return Err(format!(
                "amount {t:?} needs digits on both sides of the point, e.g. 0.5"
            ));
        }
    }
    let digits = if integer.contains(',') {
        let groups: Vec<&str> = integer.split(',').collect();
        let grouped = groups[0].len() <= 3
            && !groups[0].is_empty()
            && groups[1..].iter().all(|g| g.len() == 3);
        if !grouped {
            return Err(format!(
                "amount {t:?} is ambiguous: ',' is read only as a thousands separator (1,234.50); write a decimal point as '.'"
            ));
        }
        groups.concat()
    } else {
        integer.to_owned()
    };
    let plain = match fraction {
        Some(f) => format!("{digits}.{f}"),
        None => digits,
    };
    exact(&plain, t)
}

/// Reads a whole number of base units (wei, sun, satoshi) and shifts it by
/// `decimals`: `1500000` with 6 decimals is `1.5`.
pub fn from_base_units(text: &str, decimals: u32) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the amount is empty".into());
    }
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{t:?} is not a whole number of base units (with decimals given, the value is an integer such as 1500000)"
        ));
    }
    // Trailing zeros shift into the exponent, so that a large round value in
    // wei still fits an exact decimal.
    let trimmed = t.trim_start_matches('0');
    let mut digits = trimmed.trim_end_matches('0');
    let mut zeros = trimmed.len() - digits.len();
    let mut scale = decimals as usize;
    let cancel = zeros.min(scale);
    zeros -= cancel;
    scale -= cancel;
    if digits.is_empty() {
        digits = "0";
        zeros = 0;
        scale = 0;
    }
    let mut whole = String::with_capacity(digits.len() + zeros + scale + 2);
    whole.push_str(digits);
    whole.extend(std::iter::repeat_n('0', zeros));
    let plain = if scale == 0 {
        whole
    } else if whole.len() > scale {
        let (i, f) = whole.split_at(whole.len() - scale);
        format!("{i}.{f}")
    } else {
        format!("0.{}{whole}", "0".repeat(scale - whole.len()))
    };
    exact(&plain, t)
}

/// Reads a token's decimals (0 to 30).
pub fn parse_decimals(text: &str) -> Result<u32, String> {
    let t = text.trim();
    match t.parse::<u32>() {
        Ok(d) if d <= 30 => Ok(d),
        _ => Err(format!("decimals {t:?} is not a whole number from 0 to 30")),
    }
}

/// `plain` is digits with at most one point; checks the digit count and
/// parses it exactly.
fn exact(plain: &str, original: &str) -> Result<Decimal, String> {
    let significant = plain
        .trim_start_matches(['0', '.'])
        .bytes()
        .filter(u8::is_ascii_digit)
        .count();
    let scale = plain.split_once('.').map_or(0, |(_, f)| f.len());
    if significant > MAX_DIGITS || scale > MAX_DIGITS {
        return Err(format!(
            "amount {original:?} has more digits than an exact amount holds ({MAX_DIGITS} significant digits, {MAX_DIGITS} after the point)"
        ));
    }
    Decimal::from_str_exact(plain)
        .map(|d| d.normalize())
        .map_err(|e| format!("amount {original:?} is not exact: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    #[test]
    fn plain_and_grouped_amounts_read_exactly() {
        for (text, want) in [
            ("1234.5", dec!(1234.5)),
            ("1,234.50", dec!(1234.5)),
            ("1,000", dec!(1000)),
            ("12,345,678.000001", dec!(12345678.000001)),
            (" 0.1 ", dec!(0.1)),
            ("0.000000000000000001", dec!(0.000000000000000001)),
            ("500", dec!(500)),
        ] {
            assert_eq!(parse_amount(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn ambiguous_and_float_forms_are_refused_with_the_reason() {
        for (text, says) in [
            ("1e-7", "exponent"),
            ("1.5E+3", "exponent"),
            ("1,5", "ambiguous"),
            ("12,34.5", "ambiguous"),
            ("1.234,56", "decimal comma"),
            ("1.234.567", "several '.'"),
            ("1 234.5", "not a number"),
            ("1'234.5", "not a number"),
            ("1_000", "not a number"),
            ("-5", "sign"),
            ("+5", "sign"),
            (".5", "both sides"),
            ("5.", "both sides"),
            ("", "empty"),
            ("NaN", "not a number"),
            ("12345678901234567890123456789", "digits"),
        ] {
            let err = parse_amount(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn base_units_shift_by_the_decimals() {
        assert_eq!(from_base_units("1500000", 6), Ok(dec!(1.5)));
        assert_eq!(from_base_units("1", 18), Ok(dec!(0.000000000000000001)));
        assert_eq!(from_base_units("0", 6), Ok(dec!(0)));
        assert_eq!(from_base_units("12500000000", 8), Ok(dec!(125)));
        assert_eq!(from_base_units("42", 0), Ok(dec!(42)));
        // 10^30 wei is 10^12 ether: round values beyond 28 digits still fit.
        assert_eq!(
            from_base_units(&format!("1{}", "0".repeat(30)), 18),
            Ok(dec!(1000000000000))
        );
        assert!(
            from_base_units("1.5", 6)
                .unwrap_err()
                .contains("whole number")
        );
        assert!(from_base_units("1e6", 6).is_err());
        assert!(
            from_base_units("123456789012345678901234567890123", 18)
                .unwrap_err()
                .contains("digits")
        );
        assert!(parse_decimals("6").is_ok());
        assert!(parse_decimals("-1").is_err());
        assert!(parse_decimals("99").is_err());
    }

    proptest! {
        /// Any decimal written plainly, or grouped in thousands, reads back equal.
        #[test]
        fn written_amounts_read_back(units in 1u64..u64::MAX, scale in 0u32..18) {
            let d = Decimal::from_i128_with_scale(units as i128, scale);
            let plain = d.to_string();
            prop_assert_eq!(parse_amount(&plain), Ok(d));
            let (int, frac) = plain.split_once('.').map_or((plain.as_str(), None), |(i, f)| (i, Some(f)));
            let mut grouped: Vec<String> = Vec::new();
            let bytes = int.as_bytes();
            let head = bytes.len() % 3;
            if head > 0 { grouped.push(int[..head].to_owned()); }
            for chunk in bytes[head..].chunks(3) { grouped.push(String::from_utf8(chunk.to_vec()).unwrap()); }
            let mut text = grouped.join(",");
            if let Some(f) = frac { text = format!("{text}.{f}"); }
            prop_assert_eq!(parse_amount(&text), Ok(d));
            prop_assert_eq!(from_base_units(&units.to_string(), scale), Ok(d));
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_amount(&s);
            let _ = from_base_units(&s, 18);
        }
    }
}
