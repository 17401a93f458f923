//! Number formatting shared by every human-readable output (tables, reports, maps, plots).

/// An integer with thousands separators: `39538223` → `"39,538,223"`, `-1500` → `"-1,500"`.
pub fn group_thousands(v: i128) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::group_thousands;

    #[test]
    fn groups_of_three_from_the_right() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(39_538_223), "39,538,223");
        assert_eq!(group_thousands(-1500), "-1,500");
        assert_eq!(group_thousands(-999), "-999");
        assert_eq!(group_thousands(i128::from(u64::MAX)), "18,446,744,073,709,551,615");
    }
}
