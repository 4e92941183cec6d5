//! "Did you mean …?": the valid name closest to a misspelt one.

/// The name in `names` closest to `wanted`, when it is close enough to be a likely typo: at most
/// one edit per three characters (at least one), counting a swap of neighbours as one edit.
pub(crate) fn closest<'a>(
    wanted: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    names
        .into_iter()
        .map(|n| (distance(&wanted_lower, &n.to_lowercase()), n))
        .filter(|(d, n)| *d <= (n.chars().count().max(wanted.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// `, did you mean `x`?` when a name is close, else the valid names, else a note that there
/// are none: the tail of an "unknown …" message.
pub(crate) fn hint<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str> + Clone) -> String {
    if let Some(best) = closest(wanted, names.clone()) {
        return format!(", did you mean `{best}`?");
    }
    let all: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    if all.is_empty() {
        " (none are defined)".into()
    } else {
        format!(", expected one of: {}", all.join(", "))
    }
}

/// `expected one of: a, b` and, when one is close to `wanted`, `; did you mean `a`?`: the
/// message for a value that must be one of a fixed list.
pub(crate) fn expected_one_of<'a>(
    wanted: &str,
    names: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    let all: Vec<&str> = names.clone().into_iter().collect();
    let mut message = format!("expected one of: {}", all.join(", "));
    if let Some(best) = closest(wanted, names) {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
    message
}

/// Optimal string alignment distance: Levenshtein plus swaps of two adjacent characters, the
/// most common typo (`alcie` for `alice`).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_swaps_as_one_edit() {
        assert_eq!(distance("alice", "alice"), 0);
        assert_eq!(distance("alcie", "alice"), 1);
        assert_eq!(distance("clent_id", "client_id"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn closest_picks_the_nearest_likely_typo() {
        let keys = ["client_id", "client_secret", "redirect_uri", "flow"];
        assert_eq!(closest("clientid", keys), Some("client_id"));
        assert_eq!(closest("client_secert", keys), Some("client_secret"));
        assert_eq!(closest("redirect_url", keys), Some("redirect_uri"));
        assert_eq!(closest("Flow", keys), Some("flow"));
        assert_eq!(closest("colour", keys), None);
        assert_eq!(
            closest("x", ["y"]),
            Some("y"),
            "one edit is always close enough"
        );
    }

    #[test]
    fn expected_one_of_lists_the_choices_and_suggests_one() {
        let kinds = ["rate_limit", "status", "drop"];
        assert_eq!(
            expected_one_of("stauts", kinds),
            "expected one of: rate_limit, status, drop; did you mean `status`?"
        );
        assert_eq!(
            expected_one_of("boom", kinds),
            "expected one of: rate_limit, status, drop"
        );
    }

    #[test]
    fn hint_lists_names_when_none_is_close() {
        assert_eq!(hint("alcie", ["alice", "bob"]), ", did you mean `alice`?");
        assert_eq!(
            hint("carol", ["alice", "bob"]),
            ", expected one of: `alice`, `bob`"
        );
        assert_eq!(hint("carol", []), " (none are defined)");
    }
}
