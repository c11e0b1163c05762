//! Addresses of scenario values, shared by `--set`, sweeps and goal-seek:
//! `end_year`, `structure.spending_multiplier`, `policy.revenue_gdp`, or one year of a
//! path, `policy.growth_spending_share@2028`.

use std::fmt;
use std::str::FromStr;

/// The address of a scenario value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// Dotted keys, e.g. `["policy", "revenue_gdp"]`.
    pub keys: Vec<String>,
    /// One year of a time path, when given with `@YEAR`.
    pub year: Option<i32>,
}

impl FromStr for Address {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (path, year) = match s.split_once('@') {
            Some((p, y)) => {
                let year = y.trim().parse::<i32>().map_err(|_| {
                    format!("`{y}` after `@` is not a year (write e.g. `policy.revenue_gdp@2028`)")
                })?;
                (p, Some(year))
            }
            None => (s, None),
        };
        let keys: Vec<String> = path.split('.').map(|k| k.trim().to_string()).collect();
        if keys.iter().any(|k| {
            k.is_empty()
                || !k
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        }) {
            return Err(format!(
                "`{s}` is not a key path (write dotted keys such as \
                 `structure.spending_multiplier` or `policy.revenue_gdp@2028`)"
            ));
        }
        Ok(Address { keys, year })
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.keys.join("."))?;
        if let Some(y) = self.year {
            write!(f, "@{y}")?;
        }
        Ok(())
    }
}

/// A `--set ADDRESS=VALUE` override, split but with the value not yet parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Where the value goes.
    pub address: Address,
    /// The value as written (TOML syntax, or a bare word taken as a string).
    pub value: String,
    /// The argument as the user wrote it, for messages.
    pub arg: String,
}

impl FromStr for Override {
    type Err = String;

    fn from_str(arg: &str) -> Result<Self, Self::Err> {
        let (addr, value) = arg.split_once('=').ok_or_else(|| {
            format!("`{arg}` has no `=`: write KEY=VALUE, e.g. `structure.spending_multiplier=0.6`")
        })?;
        if value.trim().is_empty() {
            return Err(format!("`{arg}` has no value after `=`"));
        }
        Ok(Override {
            address: addr.parse()?,
            value: value.to_string(),
            arg: arg.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_years() {
        let a: Address = "policy.growth_spending_share@2028".parse().unwrap();
        assert_eq!(a.keys, ["policy", "growth_spending_share"]);
        assert_eq!(a.year, Some(2028));
        assert_eq!(a.to_string(), "policy.growth_spending_share@2028");
        assert!("policy..x".parse::<Address>().is_err());
        assert!("policy.x@20x8".parse::<Address>().is_err());
        let o: Override = "policy.revenue_gdp={2026=0.16}".parse().unwrap();
        assert_eq!(o.value, "{2026=0.16}");
        assert!("policy.revenue_gdp".parse::<Override>().is_err());
    }
}
