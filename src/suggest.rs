//! "Did you mean …?" hints: the closest candidate by edit distance.

/// The candidate closest to `input`, when it is close enough to be a likely typo.
pub fn closest<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lowered = input.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != input)
        .map(|c| {
            let distance = strsim::damerau_levenshtein(&lowered, &c.to_lowercase());
            (distance, c)
        })
        .filter(|(distance, c)| {
            let longest = input.chars().count().max(c.chars().count());
            *distance <= (longest / 3).max(1)
        })
        .min()
        .map(|(_, c)| c)
}

/// `did you mean `x`?`, when some candidate is close.
pub fn did_you_mean<'a, I>(input: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(input, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word() {
        let fields = ["dependsOn", "description", "environment", "tasks"];
        assert_eq!(closest("depends_on", fields), Some("dependsOn"));
        assert_eq!(closest("dependson", fields), Some("dependsOn"));
        assert_eq!(closest("dependOn", fields), Some("dependsOn"));
        assert_eq!(closest("enviroment", fields), Some("environment"));
        assert_eq!(closest("task", fields), Some("tasks"));
        assert_eq!(closest("zzz", fields), None);
    }

    #[test]
    fn ties_break_alphabetically() {
        assert_eq!(closest("ab", ["ac", "aa"]), Some("aa"));
    }
}
