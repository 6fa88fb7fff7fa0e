//! One line of text per rule and per set of variants: how introspection, `cargo flags explain` and any page
//! that shows flags to people summarise what decides a flag, worded once.
//!
//! ```
//! let targeting = flag_manifest::parse_flag_rules(r#"
//! [[rules]]
//! constraints = [{ context = "country", operator = "in", values = ["NZ", "AU"] }]
//! rollout = { percent = 30, stickiness = "user_id" }
//! [[variants]]
//! name = "control"
//! weight = 50
//! [[variants]]
//! name = "one_page"
//! weight = 50
//! "#).unwrap();
//! assert_eq!(targeting.rules[0].to_string(), "country in [NZ, AU] and 30% rollout by user_id");
//! assert_eq!(
//!     flag_manifest::targeting::VariantsSummary(&targeting.variants).to_string(),
//!     "control 50%, one_page 50%"
//! );
//! ```

use std::fmt;

use super::{Constraint, Rollout, Rule, Stickiness, Variant};

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.inverted {
            f.write_str("not (")?;
        }
        write!(f, "{} {} ", self.context, self.operator)?;
        match self.value() {
            Some(value) => f.write_str(value)?,
            None => write!(f, "[{}]", self.values.join(", "))?,
        }
        if self.case_insensitive && self.operator.honours_case_insensitive() {
            f.write_str(" (any case)")?;
        }
        if self.inverted {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Display for Rollout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}% rollout", self.percent)?;
        if self.stickiness != Stickiness::Default {
            write!(f, " by {}", self.stickiness)?;
        }
        if let Some(group) = &self.group {
            write!(f, " (group {group})")?;
        }
        Ok(())
    }
}

/// `user_id in [..] and <constraints> and <rollout>`, then the rule's own variants; `everyone` for a rule
/// without conditions.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut part = |f: &mut fmt::Formatter<'_>, text: &dyn fmt::Display| {
            let separator = if first { "" } else { " and " };
            first = false;
            write!(f, "{separator}{text}")
        };
        if let Some(ids) = &self.user_ids {
            part(f, &format_args!("user_id in [{}]", ids.join(", ")))?;
        }
        for constraint in &self.constraints {
            part(f, constraint)?;
        }
        if let Some(rollout) = &self.rollout {
            part(f, rollout)?;
        }
        if first {
            f.write_str("everyone")?;
        }
        if let Some(value) = &self.value {
            write!(f, " -> {value}")?;
        }
        if !self.variants.is_empty() {
            write!(f, ", variants {}", VariantsSummary(&self.variants))?;
        }
        Ok(())
    }
}

/// A set of sibling variants as `name share%, ...`: each weight over the sum of the weights.
#[derive(Debug, Clone, Copy)]
pub struct VariantsSummary<'a>(pub &'a [Variant]);

impl fmt::Display for VariantsSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: u64 = self.0.iter().map(|variant| u64::from(variant.weight)).sum();
        for (index, variant) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            // Tenths of a percent, rounded: exact for the common splits, close for the others.
            let tenths = (u64::from(variant.weight) * 1000 + total / 2)
                .checked_div(total)
                .unwrap_or(0);
            match tenths % 10 {
                0 => write!(f, "{} {}%", variant.name, tenths / 10)?,
                digit => write!(f, "{} {}.{digit}%", variant.name, tenths / 10)?,
            }
            if !variant.overrides.is_empty() {
                f.write_str(" (with overrides)")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::parse_flag_rules;

    use super::VariantsSummary;

    #[test]
    fn rules_read_as_sentences() {
        let targeting = parse_flag_rules(
            r#"
[[rules]]
user_ids = ["42", "7"]
[[rules]]
constraints = [
  { context = "app_version", operator = "semver_gte", value = "2.1.0" },
  { context = "email", operator = "str_ends_with", values = ["@example.com"], case_insensitive = true, inverted = true },
]
rollout = { percent = 5, group = "checkout" }
[[rules.variants]]
name = "a"
weight = 1
[[rules.variants]]
name = "b"
weight = 2
[[rules]]
"#,
        )
        .unwrap();
        let lines: Vec<String> = targeting.rules.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "user_id in [42, 7]",
                "app_version semver_gte 2.1.0 and not (email str_ends_with [@example.com] (any case)) \
                 and 5% rollout (group checkout), variants a 33.3%, b 66.7%",
                "everyone",
            ]
        );
    }

    #[test]
    fn a_zero_weight_reads_as_zero() {
        let targeting = parse_flag_rules(
            "[[variants]]\nname = \"a\"\nweight = 0\n[[variants]]\nname = \"b\"\nweight = 3\n",
        )
        .unwrap();
        assert_eq!(
            VariantsSummary(&targeting.variants).to_string(),
            "a 0%, b 100%"
        );
    }
}
