//! Byte sizes on the command line: `1048576`, `64K`, `64M`, `10G`.

pub fn parse(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size; use bytes or a number with K, M or G"))?;
    let shift = match unit {
        "" | "B" => 0,
        "K" | "k" | "KiB" => 10,
        "M" | "MiB" => 20,
        "G" | "GiB" => 30,
        "T" | "TiB" => 40,
        _ => return Err(format!("{text:?}: unknown unit {unit:?}; use K, M, G or T")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn sizes() {
        assert_eq!(parse("100"), Ok(100));
        assert_eq!(parse("64K"), Ok(65_536));
        assert_eq!(parse("64M"), Ok(64 << 20));
        assert_eq!(parse("10G"), Ok(10 << 30));
        assert!(parse("ten").is_err());
        assert!(parse("5X").unwrap_err().contains("unknown unit"));
        assert!(parse("99999999999T").unwrap_err().contains("too large"));
    }
}
